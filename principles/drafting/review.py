"""The review workflow, for whatever is reviewed: a draft of the text (`Version`) or a
translation (`Translation`). The states and their guards are the models' (`ReviewState`);
these services lock the row, change its state, record it, and do what publication does for
each kind: a draft becomes the declaration's current version, a translation's text becomes
what readers of its language see.

Editing too follows one rule for both kinds: every write locks the row first, so that saves
to one draft or translation are serialised and a stale save is detected reliably, then records
a revision and an audit entry.
"""

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from declaration_site.public_cache import public_content_changed

from ..consultation.report_tasks import after_publication as tell_consultations
from ..models import (
    AuditEntry,
    Declaration,
    ReviewComment,
    ReviewState,
    Translation,
    Version,
    VersionStateError,
)
from ..pdf.tasks import after_publication, after_translation_change
from . import notifications
from .tasks import publish_on_schedule
from .translation_updates import carry_translations_over, write_language

# The audit log's subject of each kind of reviewed text: its codes are "<subject>.<verb>".
AUDIT_SUBJECT = {Version: "draft", Translation: "translation"}


class StaleEdit(Exception):
    """A save based on an older revision of the item than the latest one."""

    def __init__(self, latest):
        super().__init__(f"The item has changed since revision {latest.pk}.")
        self.latest = latest


def latest_revision_id(*, of: ReviewState, item_key: str | None = None) -> int:
    """The id of the latest revision of one item (of the whole draft or translation when
    item_key is None); 0 when there is none. Edit forms carry it as their base."""
    revisions = of.revisions.all()
    if item_key is not None:
        revisions = revisions.filter(item_key=item_key)
    return revisions.aggregate(latest=Max("pk"))["latest"] or 0


def lock_for_editing(reviewed: ReviewState) -> ReviewState:
    reviewed = _lock(reviewed)
    reviewed.ensure_editable()
    return reviewed


def refuse_if_stale(*, reviewed: ReviewState, item_key: str | None, base_revision: int) -> None:
    if latest_revision_id(of=reviewed, item_key=item_key) != base_revision:
        revisions = reviewed.revisions.select_related("author")
        if item_key is not None:
            revisions = revisions.filter(item_key=item_key)
        latest = revisions.first()
        # A base that names no revision of an item that has none was not made by our form:
        # nobody else saved the item, so the save goes ahead.
        if latest is not None:
            raise StaleEdit(latest)


def record_revision(
    *, reviewed: ReviewState, by, action: str, summary: str, item_key: str = "", note: str = ""
):
    """Record a save in the history of a draft or translation, with its whole text after the
    save, and in the audit log. Call it inside the transaction that made the change."""
    revision = reviewed.revisions.create(
        author=by,
        action=action,
        item_key=item_key,
        summary=summary,
        note=note,
        **reviewed.revision_content(),
    )
    _audit(reviewed=reviewed, by=by, verb=action, detail=f"{summary} ({note})" if note else summary)
    return revision


@transaction.atomic
def submit(*, reviewed: ReviewState, by) -> ReviewState:
    """Send a draft or translation to the reviewers."""
    reviewed = _lock(reviewed)
    reviewed.submit()
    _audit(reviewed=reviewed, by=by, verb="submit")
    notifications.notify(notifications.SUBMITTED, reviewed=reviewed, by=by)
    return reviewed


@transaction.atomic
def approve(*, reviewed: ReviewState, by) -> ReviewState:
    """Approve a submitted draft or translation (four eyes: `by` is none of its authors)."""
    reviewed = _lock(reviewed)
    reviewed.approve(by=by)
    _audit(reviewed=reviewed, by=by, verb="approve")
    notifications.notify(notifications.APPROVED, reviewed=reviewed, by=by)
    return reviewed


@transaction.atomic
def send_back(
    *, reviewed: ReviewState, by, comments: dict[str, str] | None = None, note: str = ""
) -> ReviewState:
    """Return a draft or translation under review to its authors: a draft with `comments`
    keyed by item (each starts a thread), a translation with a `note`."""
    reviewed = _lock(reviewed)
    if isinstance(reviewed, Translation):
        reviewed.send_back(note=note)
        detail = note[:200]
    else:
        reviewed.send_back()
        comments = comments or {}
        ReviewComment.objects.bulk_create(
            ReviewComment(version=reviewed, author=by, item_key=key, text=text)
            for key, text in comments.items()
        )
        detail = ngettext("%(count)s comment", "%(count)s comments", len(comments)) % {
            "count": len(comments)
        }
    _audit(reviewed=reviewed, by=by, verb="send_back", detail=detail)
    notifications.notify(notifications.SENT_BACK, reviewed=reviewed, by=by)
    return reviewed


@transaction.atomic
def schedule(*, reviewed: Version, by, at) -> Version:
    """Have the task worker publish an approved draft at `at` in the name of `by`, who could
    publish it now: a task waits in the queue until then (`publish_when_due`). A new time
    replaces the old one, whose task then does nothing. Translations are published when
    approved, never scheduled."""
    if not publish_on_schedule.get_backend().supports_defer:
        raise VersionStateError(
            _(
                "This site runs its tasks at once, without a task worker, so it cannot publish "
                "later: publish now, or run the site with its task worker."
            )
        )
    reviewed = _lock(reviewed)
    reviewed.schedule(at=at, by=by)
    _audit(reviewed=reviewed, by=by, verb="schedule", detail=f"{at:%Y-%m-%d %H:%M:%S %Z}")
    version_id = reviewed.pk
    transaction.on_commit(
        lambda: publish_on_schedule.using(run_after=at).enqueue(
            version_id=version_id, publish_at=at.isoformat()
        )
    )
    notifications.notify(notifications.SCHEDULED, reviewed=reviewed, by=by)
    return reviewed


@transaction.atomic
def unschedule(*, reviewed: Version, by) -> Version:
    """Cancel a draft's scheduled publication: it stays approved, and its queued task finds
    it no longer scheduled and does nothing."""
    reviewed = _lock(reviewed)
    reviewed.unschedule()
    _audit(reviewed=reviewed, by=by, verb="unschedule")
    return reviewed


@transaction.atomic
def publish_when_due(*, version_id: int, at) -> Version | None:
    """Publish a draft that was scheduled for `at`, in the name of the publisher who scheduled
    it, if it is still approved and scheduled for that time; None if it is not (cancelled,
    rescheduled, or published already: a task run twice publishes once). The declaration and
    the draft are locked first, in the order every publication locks them. A scheduler who may
    no longer publish (their role or account was withdrawn meanwhile) publishes nothing: the
    draft shows as overdue for another publisher to decide."""
    draft = Version.objects.filter(pk=version_id).first()
    if draft is None:
        return None
    draft = lock_for_publication(draft)
    if not draft.is_scheduled_for(at):
        return None
    if not draft.scheduled_by.has_perm("principles.publish_draft"):
        raise VersionStateError(
            _("%(name)s, who scheduled this draft, may no longer publish.")
            % {"name": draft.scheduled_by.get_username()}
        )
    return publish(reviewed=draft, by=draft.scheduled_by, on_schedule=True)


@transaction.atomic
def publish(
    *,
    reviewed: ReviewState,
    by,
    correction: bool = False,
    change_note: str = "",
    on_schedule: bool = False,
) -> ReviewState:
    """Publish an approved draft or translation in the name of `by`, a publisher who is none
    of its authors. A draft becomes the declaration's current version under the next number
    (two publishes at once are serialised on the declaration: the second is refused), with
    its `change_note`; as an editorial `correction`, its endorsers are not asked to reconfirm
    (`Version.publish`). A translation's text becomes what readers of its language see, and
    its PDF in that language is rendered anew in the background. `on_schedule`: the task
    worker publishes a draft that `by` scheduled, and the audit log says so."""
    reviewed = lock_for_publication(reviewed)
    if isinstance(reviewed, Translation):
        reviewed.publish(by=by)
        _show_to_readers(reviewed)
        detail = ""
    else:
        reviewed.publish(by=by, correction=correction, change_note=change_note)
        make_current(reviewed)
        # Its consultations' reports link it, and their contributors are told.
        tell_consultations(version=reviewed)
        detail = publication_detail(reviewed)
    if on_schedule:
        _audit_publication_on_schedule(reviewed)
    else:
        _audit(reviewed=reviewed, by=by, verb="publish", detail=detail)
    notifications.notify(notifications.PUBLISHED, reviewed=reviewed, by=by)
    public_content_changed()
    return reviewed


@transaction.atomic
def publish_loaded_translation(*, translation: Translation, by, detail: str) -> Translation:
    """Publish, unreviewed, a translation that the loader wrote from a shipped file in the name
    of `by`, its account (`Translation.publish_loaded`): readers of its language see it, and
    the audit log says where it came from (`detail`). Nobody is notified: no person worked on it.

    The loader only translates a version into a language it has no text in, so no PDF in that
    language is stored yet: its PDF is refreshed (rendered once, as publishing the version
    queues it too when both happen in one load) rather than rendered anew."""
    translation = lock_for_publication(translation)
    translation.publish_loaded(by=by)
    version_id, language = translation.version_id, translation.language
    write_language(
        translation.version, language, texts=translation.text, standing=translation.standing
    )
    after_translation_change(version_id=version_id, language=language, rerender=False)
    _audit(reviewed=translation, by=by, verb="publish", detail=detail)
    public_content_changed()
    return translation


def _audit_publication_on_schedule(version: Version) -> None:
    """The actor is the publisher who scheduled it; the detail says the worker published it."""
    scheduler = version.scheduled_by
    detail = (
        f"{publication_detail(version)}, scheduled by {scheduler.get_username()} for "
        f"{version.publish_at:%Y-%m-%d %H:%M:%S %Z}; published by the task worker"
    )
    _audit(reviewed=version, by=scheduler, verb="publish_on_schedule", detail=detail)


def publication_detail(version: Version) -> str:
    """What the audit log says of a version's publication: its number, and whether it was an
    editorial correction."""
    if version.is_correction:
        return f"v{version.number} (editorial correction)"
    return f"v{version.number}"


@transaction.atomic
def discard(*, reviewed: Version, by) -> Version:
    """Give up on a draft that was not published: it leaves the list of drafts (freeing the
    review for another one if it was in review), and its revisions stay in its history."""
    reviewed = _lock(reviewed)
    reviewed.discard()
    _audit(reviewed=reviewed, by=by, verb="discard")
    return reviewed


def make_current(version: Version) -> None:
    """What publishing a version does besides: it becomes the declaration's current version,
    each language keeps the translation of what did not change, and its PDFs are rendered after
    the commit. Call it with the declaration locked."""
    declaration = version.declaration
    declaration.current_version = version
    declaration.save(update_fields=["current_version"])
    carry_translations_over(version)
    after_publication(version=version)


def _show_to_readers(translation: Translation) -> None:
    """Replace the version's rows in the translation's language with the translation, which
    clears every mark of a translation being updated (`translation_updates.write_language`),
    and render its PDF in that language anew after the commit."""
    version, language = translation.version, translation.language
    write_language(version, language, texts=translation.text, standing=translation.standing)
    after_translation_change(version_id=version.pk, language=language, rerender=True)


def lock_for_publication(reviewed: ReviewState) -> ReviewState:
    """The row of `reviewed`, locked, and a draft's declaration locked before it (always in
    this order): the publications of a declaration are serialised on it."""
    if isinstance(reviewed, Version):
        declaration = Declaration.objects.select_for_update().get(pk=reviewed.declaration_id)
        version = _lock(reviewed)
        version.declaration = declaration
        return version
    return _lock(reviewed)


def _lock(reviewed: ReviewState) -> ReviewState:
    return type(reviewed).objects.select_for_update().get(pk=reviewed.pk)


def _audit(*, reviewed: ReviewState, by, verb: str, detail: str = "") -> None:
    """Every audit entry of drafting and translation is written here, about the draft or the
    translation itself. A revision's action is its verb where the log has a code for it
    ("restore"); the other changes to the text (adding, removing, reordering) are edits."""
    action = f"{AUDIT_SUBJECT[type(reviewed)]}.{verb}"
    if action not in AuditEntry.Action.values:
        action = f"{AUDIT_SUBJECT[type(reviewed)]}.edit"
    AuditEntry.objects.log(actor=by, action=action, target=reviewed, detail=detail)
