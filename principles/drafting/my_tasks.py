"""What waits for one member of staff in the drafting workspace, read in a fixed number of
queries however many drafts, translations and comments there are: the "My tasks" page, where
signing in leads, and where the emails of `notifications` point to as well."""

from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q, Subquery

from ..models import (
    AuditEntry,
    ReviewComment,
    ReviewState,
    Revision,
    Translation,
    TranslationRevision,
    Version,
)
from .roles import EDIT

REVIEW, PUBLISH = "principles.review_draft", "principles.publish_draft"


@dataclass
class Tasks:
    """Drafts and translations (mixed, oldest first) by what the person is to do with them."""

    to_review: list = field(default_factory=list)
    to_publish: list = field(default_factory=list)
    sent_back: list = field(default_factory=list)
    in_progress: list = field(default_factory=list)
    # Open threads on the drafts and translations the person worked on.
    open_comments: list = field(default_factory=list)

    def __bool__(self):
        return any(
            (self.to_review, self.to_publish, self.sent_back, self.in_progress, self.open_comments)
        )


def _annotated(queryset, user, *, revisions, subject: str):
    """Each row in progress with `mine` (the person saved one of its `revisions`) and
    `last_step` (the audit code of the last time it was submitted or sent back)."""
    steps = AuditEntry.objects.filter(
        target_type=ContentType.objects.get_for_model(queryset.model),
        target_id=OuterRef("pk"),
        action__in=[f"{subject}.submit", f"{subject}.send_back"],
    ).order_by("-pk")
    # The revisions' foreign key to what they revise is named after its model.
    owner = queryset.model._meta.model_name
    return queryset.in_progress().annotate(
        mine=Exists(revisions.objects.filter(**{owner: OuterRef("pk")}, author=user)),
        last_step=Subquery(steps.values("action")[:1]),
    )


def waiting_for(user) -> Tasks:
    tasks = Tasks()
    may = {permission: user.has_perm(permission) for permission in (EDIT, REVIEW, PUBLISH)}
    drafts = _annotated(
        Version.objects.served().prefetch_related("texts"),
        user,
        revisions=Revision,
        subject="draft",
    )
    translations = _annotated(
        Translation.objects.select_related("version"),
        user,
        revisions=TranslationRevision,
        subject="translation",
    )
    rows = sorted([*drafts, *translations], key=lambda row: row.created_at)
    for row in rows:
        if row.status == ReviewState.Status.SUBMITTED and may[REVIEW] and not row.mine:
            tasks.to_review.append(row)
        elif row.status == ReviewState.Status.APPROVED and may[PUBLISH] and not row.mine:
            tasks.to_publish.append(row)
        elif row.status == ReviewState.Status.DRAFT and row.mine and may[EDIT]:
            if row.last_step and row.last_step.endswith(".send_back"):
                tasks.sent_back.append(row)
            else:
                tasks.in_progress.append(row)
    tasks.open_comments = list(
        ReviewComment.objects.unresolved()
        .filter(
            Q(version__in=[row for row in rows if row.mine and isinstance(row, Version)])
            | Q(translation__in=[row for row in rows if row.mine and isinstance(row, Translation)])
        )
        .select_related("author")
    )
    by_pk = {(type(row), row.pk): row for row in rows}
    for comment in tasks.open_comments:
        comment.on = (
            by_pk[(Version, comment.version_id)]
            if comment.version_id
            else by_pk[(Translation, comment.translation_id)]
        )
    return tasks
