"""Who is told what, by email, as drafts and translations move through review and as people
comment on them. Every rule is here (`RECIPIENTS`); the review services and the comment
services each call one function after their change, and the emails leave from the task
worker once the change is committed.

    submitted  → the reviewers, but not its authors (who may not approve it)
    sent back  → its authors, with the open comments
    approved   → its authors and the publishers
    scheduled  → its authors and the publishers
    published  → its authors and the reviewers who approved it or sent it back
    comment    → the others in the thread; a new thread on a draft in progress, its authors
    resolved   → the others in the thread

Never the person who acted, nobody without an email address; each in the language they read
the site in (`StaffLanguage`), with a link to the page where they act.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks import task

from ..models import (
    AuditEntry,
    ReviewComment,
    ReviewState,
    StaffLanguage,
    Translation,
    Version,
)

SUBMITTED, SENT_BACK, APPROVED, SCHEDULED, PUBLISHED = (
    "submitted",
    "sent_back",
    "approved",
    "scheduled",
    "published",
)
COMMENT, RESOLVED = "comment", "resolved"

REVIEW, PUBLISH = "principles.review_draft", "principles.publish_draft"
# The audit codes of a reviewer's verdict, for either kind (the log's target tells them apart).
VERDICTS = [
    AuditEntry.Action.DRAFT_APPROVE,
    AuditEntry.Action.DRAFT_SEND_BACK,
    AuditEntry.Action.TRANSLATION_APPROVE,
    AuditEntry.Action.TRANSLATION_SEND_BACK,
]


def notify(event: str, *, reviewed: ReviewState, by) -> None:
    """Once the transaction commits, have the worker tell the people `event` (a step of
    review) concerns. Call it inside the service that took the step."""
    _enqueue(event=event, model=reviewed._meta.model_name, pk=reviewed.pk, actor_id=by.pk)


def comment_written(*, comment: ReviewComment, by) -> None:
    _enqueue(
        event=COMMENT,
        model=comment.reviewed._meta.model_name,
        pk=comment.reviewed.pk,
        actor_id=by.pk,
        comment_id=comment.pk,
    )


def thread_resolved(*, thread: ReviewComment, by) -> None:
    _enqueue(
        event=RESOLVED,
        model=thread.reviewed._meta.model_name,
        pk=thread.reviewed.pk,
        actor_id=by.pk,
        comment_id=thread.pk,
    )


def _enqueue(**arguments) -> None:
    transaction.on_commit(lambda: send_notifications.enqueue(**arguments))


@receiver(user_logged_in)
def remember_language(sender, request, user, **kwargs):
    """The language of the page a person signs in on is the one they read: write to them in it."""
    StaffLanguage.remember(user, translation.get_language())


# Who is told of each event, as a condition on users, given the draft or translation and, for
# comments, the comment.
def _with_permission(permission: str) -> Q:
    # Roles are groups of Django's permissions, which the model backend alone grants.
    holders = get_user_model().objects.with_perm(
        permission, backend="django.contrib.auth.backends.ModelBackend"
    )
    return Q(pk__in=holders.values("pk"))


def _authors(reviewed: ReviewState, comment) -> Q:
    return Q(pk__in=reviewed.revisions.values("author"))


def _thread(comment: ReviewComment) -> Q:
    thread_id = comment.parent_id or comment.pk
    in_thread = ReviewComment.objects.filter(Q(pk=thread_id) | Q(parent=thread_id))
    return Q(pk__in=in_thread.values("author"))


def _reviewers_of(reviewed: ReviewState, comment) -> Q:
    verdicts = AuditEntry.objects.about(reviewed).filter(action__in=VERDICTS)
    return Q(pk__in=verdicts.values("actor"))


def _comment_readers(reviewed: ReviewState, comment: ReviewComment) -> Q:
    """The others in the thread; a new thread on a draft in progress, also its authors, who
    would otherwise not hear of it until a reviewer's verdict."""
    readers = _thread(comment)
    if comment.parent_id is None and reviewed.is_editable:
        readers |= _authors(reviewed, comment)
    return readers


RECIPIENTS = {
    SUBMITTED: lambda reviewed, comment: _with_permission(REVIEW) & ~_authors(reviewed, comment),
    SENT_BACK: _authors,
    APPROVED: lambda reviewed, comment: _authors(reviewed, comment) | _with_permission(PUBLISH),
    SCHEDULED: lambda reviewed, comment: _authors(reviewed, comment) | _with_permission(PUBLISH),
    PUBLISHED: lambda reviewed, comment: (
        _authors(reviewed, comment) | _reviewers_of(reviewed, comment)
    ),
    COMMENT: _comment_readers,
    RESOLVED: lambda reviewed, comment: _thread(comment),
}


def recipients(event: str, *, reviewed: ReviewState, actor_id: int, comment=None):
    """The people to tell of `event`: never the one who acted, nobody without an address."""
    return (
        get_user_model()
        .objects.filter(RECIPIENTS[event](reviewed, comment), is_active=True)
        .exclude(pk=actor_id)
        .exclude(email="")
        .order_by("pk")
    )


@task()
def send_notifications(
    *, event: str, model: str, pk: int, actor_id: int, comment_id: int | None = None
) -> str:
    """Email everyone `event` concerns, each in their language."""
    reviewed = {"version": Version, "translation": Translation}[model].objects.filter(pk=pk).first()
    comment = ReviewComment.objects.filter(pk=comment_id).first() if comment_id else None
    if reviewed is None or (comment_id and comment is None):
        return "skipped: it no longer exists"
    actor = get_user_model().objects.get(pk=actor_id)
    people = list(recipients(event, reviewed=reviewed, actor_id=actor_id, comment=comment))
    for person in people:
        with translation.override(StaffLanguage.of(person)):
            _send(event, reviewed=reviewed, actor=actor, person=person, comment=comment)
    return f"sent {event} to {len(people)}"


SUBJECTS = {
    ("version", SUBMITTED): gettext_lazy("A draft of the declaration waits for your review"),
    ("version", SENT_BACK): gettext_lazy("Your draft was sent back with comments"),
    ("version", APPROVED): gettext_lazy("A draft of the declaration was approved"),
    ("version", SCHEDULED): gettext_lazy("A draft of the declaration is scheduled"),
    ("version", PUBLISHED): gettext_lazy("A new version of the declaration is published"),
    ("version", COMMENT): gettext_lazy("A new comment on a draft"),
    ("version", RESOLVED): gettext_lazy("A comment thread on a draft was resolved"),
    ("translation", SUBMITTED): gettext_lazy("A translation waits for your review"),
    ("translation", SENT_BACK): gettext_lazy("Your translation was sent back"),
    ("translation", APPROVED): gettext_lazy("A translation was approved"),
    ("translation", SCHEDULED): gettext_lazy("A translation is scheduled"),
    ("translation", PUBLISHED): gettext_lazy("A translation is published"),
    ("translation", COMMENT): gettext_lazy("A new comment on a translation"),
    ("translation", RESOLVED): gettext_lazy("A comment thread on a translation was resolved"),
}

# What happened, in a sentence naming who (`person`), what (`what`) and, for comments, the
# item (`item`).
SENTENCES = {
    SUBMITTED: gettext_lazy(
        "%(person)s submitted %(what)s for review. You have not worked on it, so you can "
        "approve it or send it back."
    ),
    SENT_BACK: gettext_lazy("%(person)s sent back %(what)s."),
    APPROVED: gettext_lazy("%(person)s approved %(what)s. A publisher can now publish it."),
    SCHEDULED: gettext_lazy("%(person)s scheduled %(what)s to be published on %(when)s."),
    PUBLISHED: gettext_lazy("%(person)s published %(what)s."),
    COMMENT: gettext_lazy("%(person)s commented on %(item)s of %(what)s:"),
    RESOLVED: gettext_lazy("%(person)s resolved the thread on %(item)s of %(what)s."),
}


def _send(event: str, *, reviewed: ReviewState, actor, person, comment) -> None:
    """One email, in the active language. Plain text, so that nobody's words become markup;
    the subject holds no text a person typed."""
    # Imported here: the translation services import `review`, which imports this module.
    from .translation_services import describe_item, source_of

    model = reviewed._meta.model_name
    source = source_of(reviewed)
    values = {
        "person": actor.get_full_name() or actor.get_username(),
        "what": _describe(reviewed, source),
        "when": _when(reviewed) if event == SCHEDULED else "",
        "item": describe_item(source, comment.item_key) if comment else "",
    }
    if event == SENT_BACK:
        open_threads = ReviewComment.objects.on(reviewed).unresolved().select_related("author")
    else:
        open_threads = []
    body = render_to_string(
        "emails/drafting/notification.txt",
        {
            "person": person,
            "happened": SENTENCES[event] % values,
            "comment": comment if event == COMMENT else None,
            "threads": [
                (describe_item(source, thread.item_key), thread) for thread in open_threads
            ],
            "note": getattr(reviewed, "review_note", "") if event == SENT_BACK else "",
            "url": settings.SITE_URL + _page(event, reviewed, comment),
        },
    )
    EmailMessage(subject=str(SUBJECTS[model, event]), body=body, to=[person.email]).send()


def _when(version: Version) -> str:
    """The time of publication, in the site's time zone and the reader's words."""
    return formats.date_format(timezone.localtime(version.publish_at), "DATETIME_FORMAT")


def _describe(reviewed: ReviewState, source: dict) -> str:
    if isinstance(reviewed, Translation):
        return _("the translation of version %(number)s into %(language)s") % {
            "number": reviewed.version.number,
            "language": reviewed.get_language_display(),
        }
    return _("the draft “%(title)s”") % {"title": source["title"]}


def _page(event: str, reviewed: ReviewState, comment) -> str:
    """Where the person acts: the page of the draft or translation (at the item commented on),
    or the published version itself."""
    if event == PUBLISHED and isinstance(reviewed, Version):
        return reverse("principles:version", args=[reviewed.number])
    name = "drafting:translation" if isinstance(reviewed, Translation) else "drafting:draft"
    anchor = f"#item-{comment.item_key}" if comment else ""
    return reverse(name, args=[reviewed.pk]) + anchor
