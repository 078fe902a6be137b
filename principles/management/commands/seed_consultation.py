from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from principles.consultation import services
from principles.drafting.services import save_item_text, start_draft
from principles.models import Consultation, ConsultationStateError, Declaration, Version

SLUG = "draft-for-comment"
DEMO_USERNAME = "demo-publisher"
CHANGED_LINE = (
    "Design connectivity and digital learning programmes first for the learners who are least "
    "likely to be reached, including those in remote areas and in crises, and judge their "
    "success by how well those learners are served."
)


class Command(BaseCommand):
    help = (
        "Show a consultation on a fresh site: open a draft whose first principle's first action "
        "line is reworded for public consultation, for 60 days, in every language. Does nothing "
        f"when the consultation {SLUG!r} exists, so it is safe to run on every start. Needs the "
        "declaration loaded (load_declaration) and a task worker's queue (TASKS_BACKEND) to "
        "close it on time."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        existing = Consultation.objects.filter(slug=SLUG).first()
        if existing:
            self.stdout.write(f"Consultation {SLUG!r} exists ({existing.status}); nothing seeded.")
            return
        declaration = Declaration.objects.served().first()
        if declaration is None or declaration.current_version_id is None:
            raise CommandError("Load the declaration first: manage.py load_declaration.")
        publisher = self.demo_publisher()
        draft = self.draft_with_a_changed_line(declaration, publisher)
        now = timezone.now().replace(second=0, microsecond=0)
        try:
            consultation = services.open_consultation(
                draft=draft,
                by=publisher,
                title="Draft for comment: reaching learners in remote areas and in crises",
                slug=SLUG,
                introduction=(
                    "This draft rewords one action line. Tell us what you think of it, or of "
                    "any other principle or action line, before the consultation closes."
                ),
                opens_at=now,
                closes_at=now + timedelta(days=60),
                languages=[code for code, _name in settings.LANGUAGES],
            )
        except ConsultationStateError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Opened {consultation.title!r} at /consultation/{SLUG}/ on {draft}, "
                f"closing {consultation.closes_at:%Y-%m-%d %H:%M} UTC."
            )
        )

    def demo_publisher(self):
        """The account the demonstration is set up in the name of; nobody can sign in as it."""
        user, created = get_user_model().objects.get_or_create(username=DEMO_USERNAME)
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        return user

    def draft_with_a_changed_line(self, declaration: Declaration, publisher) -> Version:
        """The draft in progress, or a new one; its first action line reworded if the draft
        does not change anything yet."""
        draft = (
            Version.objects.filter(declaration=declaration, status=Version.Status.DRAFT)
            .order_by("-pk")
            .first()
        ) or start_draft(declaration=declaration, by=publisher)
        revisions = draft.revisions.order_by("-pk")
        if revisions.count() == 1:
            line = (
                draft.principles.order_by("position").first().action_lines.order_by("position")[0]
            )
            save_item_text(
                item=line,
                by=publisher,
                values={"text": CHANGED_LINE},
                base_revision=revisions.first().pk,
                note="Seeded to show a consultation.",
            )
        return draft
