from django.core.management.base import BaseCommand

from principles.drafting import review
from principles.models import Version, VersionStateError


class Command(BaseCommand):
    help = (
        "Publish every approved draft whose scheduled time has come, in the name of the "
        "publisher who scheduled it. Run it from cron every few minutes; running it twice at "
        "once publishes each draft only once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List the drafts that are due; publish nothing."
        )

    def handle(self, *args, dry_run: bool, **options):
        due = list(Version.objects.due_for_publication().select_related("scheduled_by"))
        published = 0
        for draft in due:
            if dry_run:
                self.stdout.write(f"Due: {draft} (scheduled for {draft.publish_at:%Y-%m-%d %H:%M})")
                continue
            try:
                version = review.publish(reviewed=draft, by=draft.scheduled_by)
            except VersionStateError as error:
                self.stderr.write(f"Not published: {draft}: {error}")
                continue
            published += 1
            self.stdout.write(f"Published {draft} as version {version.number}.")
        verb = "due" if dry_run else "published"
        self.stdout.write(
            self.style.SUCCESS(f"{len(due) if dry_run else published} draft(s) {verb}.")
        )
