"""The review pages that drafts and translations share: their history, the comparison of two
revisions, restoring an item, and the steps of review. The URLconf names the kind that each
address serves (`kinds.DRAFT` or `kinds.TRANSLATION`); the rules live in `review` and the
models."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..comparison import compare
from ..models import VersionStateError
from . import review
from .forms import CompareRevisionsForm
from .kinds import DRAFT, Kind
from .pages import change_state, refused
from .roles import EDIT, drafting_role_required, role_required


@drafting_role_required
def history(request, pk: int, kind: Kind):
    """Every revision of a draft or translation, newest first, and a form to compare any two."""
    reviewed = get_object_or_404(kind.shown(), pk=pk)
    listed = reviewed.revisions.select_related("author").defer(kind.revision_text)
    revisions = list(listed)
    form = CompareRevisionsForm(
        revisions=listed,
        initial={"old": revisions[-1].pk, "new": revisions[0].pk} if revisions else {},
    )
    # Newest first: each revision is compared with the one listed after it.
    with_previous = zip(revisions, [*revisions[1:], None][: len(revisions)], strict=True)
    return render(
        request,
        "principles/drafting/history.html",
        {
            kind.name: reviewed,
            "reviewed": reviewed,
            "kind": kind,
            "revisions": with_previous,
            "form": form,
            "can_edit": reviewed.is_editable and request.user.has_perm(EDIT),
        },
    )


@drafting_role_required
def compare_revisions(request, pk: int, kind: Kind):
    reviewed = get_object_or_404(kind.shown(), pk=pk)
    form = CompareRevisionsForm(request.GET, revisions=reviewed.revisions.all())
    if not form.is_valid():
        messages.error(
            request,
            _("Choose two revisions of this draft to compare.")
            if kind is DRAFT
            else _("Choose two revisions of this translation to compare."),
        )
        return redirect(kind.history, pk)
    old, new = sorted([form.cleaned_data["old"], form.cleaned_data["new"]], key=lambda r: r.pk)
    return render(
        request,
        "principles/drafting/compare.html",
        {
            kind.name: reviewed,
            "text_language": reviewed.text_language,
            "comparison": compare(*reviewed.snapshots_at(old, new)),
            "old_label": _("revision %(number)s") % {"number": old.pk},
            "new_label": _("revision %(number)s") % {"number": new.pk},
        },
    )


@require_POST
@role_required(EDIT)
def restore(request, pk: int, revision_pk: int, kind: Kind):
    reviewed = get_object_or_404(kind.changeable(), pk=pk)
    revision = get_object_or_404(reviewed.revisions, pk=revision_pk)
    try:
        restored = kind.restore_item(
            reviewed, revision=revision, item_key=request.POST.get("item_key", ""), by=request.user
        )
    except VersionStateError as error:
        return refused(request, kind, reviewed, error)
    messages.success(request, _("%(summary)s.") % {"summary": restored.summary})
    return redirect(reverse(kind.detail, args=[pk]) + f"#item-{restored.item_key}")


@require_POST
@role_required(EDIT)
def submit(request, pk: int, kind: Kind):
    reviewed = get_object_or_404(kind.changeable(), pk=pk)
    return change_state(
        request,
        kind=kind,
        reviewed=reviewed,
        service=review.submit,
        success=_("Submitted for review."),
    )


@require_POST
@role_required("principles.review_draft")
def approve(request, pk: int, kind: Kind):
    return change_state(
        request,
        kind=kind,
        reviewed=get_object_or_404(kind.changeable(), pk=pk),
        service=review.approve,
        success=_("Approved. A publisher can now publish it."),
    )


@require_POST
@role_required("principles.publish_draft")
def publish(request, pk: int, kind: Kind):
    """Publish a translation (drafts are published from their confirmation page,
    `lifecycle_views.publish`)."""
    reviewed = get_object_or_404(kind.changeable(), pk=pk)
    try:
        review.publish(reviewed=reviewed, by=request.user)
    except VersionStateError as error:
        return refused(request, kind, reviewed, error)
    messages.success(request, _("Published: readers in this language now see this translation."))
    return redirect(kind.detail, pk)
