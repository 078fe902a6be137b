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
from django.utils.translation import ngettext

from declaration_site.public_cache import public_content_changed

from ..models import (
    ActionLineText,
    AuditEntry,
    Declaration,
    PrincipleText,
    ReviewComment,
    ReviewState,
    Revision,
    Translation,
    Version,
    VersionText,
)
from ..pdf.tasks import after_publication, rerender_declaration_pdf
from .translation_updates import carry_translations_over

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
    return reviewed


@transaction.atomic
def approve(*, reviewed: ReviewState, by) -> ReviewState:
    """Approve a submitted draft or translation (four eyes: `by` is none of its authors)."""
    reviewed = _lock(reviewed)
    reviewed.approve(by=by)
    _audit(reviewed=reviewed, by=by, verb="approve")
    return reviewed


@transaction.atomic
def send_back(
    *, reviewed: ReviewState, by, comments: dict[str, str] | None = None, note: str = ""
) -> ReviewState:
    """Return a draft or translation under review to its authors: a draft with `comments`
    keyed by item, a translation with a `note`."""
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
    return reviewed


@transaction.atomic
def schedule(*, reviewed: Version, by, at) -> Version:
    """Have `publish_scheduled` publish an approved draft at `at` in the name of `by`, who
    could publish it now. Translations are published when approved, never scheduled."""
    reviewed = _lock(reviewed)
    reviewed.schedule(at=at, by=by)
    _audit(reviewed=reviewed, by=by, verb="schedule", detail=f"{at:%Y-%m-%d %H:%M %Z}")
    return reviewed


@transaction.atomic
def publish(*, reviewed: ReviewState, by) -> ReviewState:
    """Publish an approved draft or translation in the name of `by`, a publisher who is none
    of its authors. A draft becomes the declaration's current version under the next number
    (two publishes at once are serialised on the declaration: the second is refused); a
    translation's text becomes what readers of its language see, and its PDF in that language
    is rendered anew in the background."""
    reviewed = lock_for_publication(reviewed)
    reviewed.publish(by=by)
    if isinstance(reviewed, Translation):
        _show_to_readers(reviewed)
        detail = ""
    else:
        make_current(reviewed)
        detail = f"v{reviewed.number}"
    _audit(reviewed=reviewed, by=by, verb="publish", detail=detail)
    public_content_changed()
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
    """Replace the version's rows in the translation's language with the translation, and
    render its PDF in that language anew after the commit.

    This is the only writer of a published version's rows in a language other than the
    source: the source text and the structure stay frozen. Bulk statements are used on
    purpose: their guard (and PostgreSQL's triggers) let rows in other languages through,
    whereas the rows' own save() refuses any change to a published version."""
    version, language, text = translation.version, translation.language, translation.text
    VersionText.objects.filter(version=version, language=language).delete()
    PrincipleText.objects.filter(principle__version=version, language=language).delete()
    ActionLineText.objects.filter(
        action_line__principle__version=version, language=language
    ).delete()
    version_text = text[Revision.VERSION_TEXT_KEY]
    VersionText.objects.bulk_create(
        [
            VersionText(
                version=version,
                language=language,
                title=version_text["title"],
                preamble=version_text["preamble"],
                standing=translation.standing,
            )
        ]
    )
    principles = list(version.principles.prefetch_related("action_lines"))
    PrincipleText.objects.bulk_create(
        PrincipleText(
            principle=principle,
            language=language,
            title=text[str(principle.key)]["title"],
            explanation=text[str(principle.key)].get("explanation", ""),
        )
        for principle in principles
    )
    ActionLineText.objects.bulk_create(
        ActionLineText(action_line=line, language=language, text=text[str(line.key)]["text"])
        for principle in principles
        for line in principle.action_lines.all()
    )
    version_id = version.pk
    transaction.on_commit(
        lambda: rerender_declaration_pdf.enqueue(version_id=version_id, language=language)
    )


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
