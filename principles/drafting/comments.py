"""Comments on the items of a draft or a translation: editors and reviewers start a thread on
an item at any stage before publication, answer it and resolve it. Who is told is
`notifications`'."""

from django.db import transaction
from django.utils.translation import gettext as _

from ..models import ReviewComment, ReviewState, Version, VersionStateError
from . import notifications
from .roles import EDIT
from .translation_services import item_fields, source_of


def _open_for_comments(reviewed: ReviewState) -> ReviewState:
    """The row of `reviewed`, locked (a publication at the same moment waits), unless it is
    published: comments close with publication."""
    reviewed = type(reviewed).objects.select_for_update().get(pk=reviewed.pk)
    if reviewed.is_published:
        raise VersionStateError(
            _("This draft is published; comments were closed with it.")
            if isinstance(reviewed, Version)
            else _("This translation is published; comments were closed with it.")
        )
    return reviewed


@transaction.atomic
def start_thread(*, reviewed: ReviewState, item_key: str, by, text: str) -> ReviewComment:
    """Comment on one item of a draft or translation in progress, in review or approved."""
    reviewed = _open_for_comments(reviewed)
    if item_fields(source_of(reviewed), item_key) is None:
        raise VersionStateError(_("There is no such item to comment on."))
    comment = ReviewComment.objects.create(
        **{reviewed._meta.model_name: reviewed}, author=by, item_key=item_key, text=text
    )
    notifications.comment_written(comment=comment, by=by)
    return comment


@transaction.atomic
def answer(*, thread: ReviewComment, by, text: str) -> ReviewComment:
    """Answer a thread, resolved or not (an answer to a resolved thread reopens it)."""
    _open_for_comments(thread.reviewed)
    comment = ReviewComment.objects.create(
        version=thread.version,
        translation=thread.translation,
        parent=thread,
        author=by,
        item_key=thread.item_key,
        text=text,
    )
    if thread.is_resolved:
        thread.resolved_by = thread.resolved_at = None
        thread.save(update_fields=["resolved_by", "resolved_at"])
    notifications.comment_written(comment=comment, by=by)
    return comment


@transaction.atomic
def resolve(*, thread: ReviewComment, by) -> ReviewComment:
    """Mark a thread resolved: it folds away on the pages and leaves everyone's tasks."""
    _open_for_comments(thread.reviewed)
    thread.resolve(by=by)
    notifications.thread_resolved(thread=thread, by=by)
    return thread


def threads_by_item(reviewed: ReviewState) -> dict[str, list[ReviewComment]]:
    """The threads on a draft or translation, with their answers, by item key."""
    by_item: dict[str, list[ReviewComment]] = {}
    for thread in ReviewComment.objects.on(reviewed).threads():
        by_item.setdefault(thread.item_key, []).append(thread)
    return by_item


def may_comment(user, reviewed: ReviewState) -> bool:
    """Editors and reviewers comment on anything not yet published."""
    return not reviewed.is_published and (
        user.has_perm(EDIT) or user.has_perm("principles.review_draft")
    )
