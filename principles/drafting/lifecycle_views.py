"""A draft's life beyond editing and review: publishing it after a confirmation that says what
will happen, rebasing it onto a version published since it was started, or discarding it.
The rules live in `review`, `rebase` and the models."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

from ..comparison import compare
from ..models import Version, VersionStateError
from ..pdf.tasks import reconfirmation_requests
from . import review
from .forms import PublishForm, RebaseForm
from .kinds import DRAFT
from .pages import refused
from .rebase import plan_rebase, rebase_draft
from .roles import EDIT, role_required


@role_required("principles.publish_draft")
def publish(request, pk: int):
    """What publishing the draft will do (its number, its changes, the emails and to whom),
    the choice between a new version and an editorial correction, and the publication itself,
    which only the confirmed form's POST makes."""
    draft = get_object_or_404(
        Version.objects.in_progress().select_related("declaration__current_version"), pk=pk
    )
    current = draft.declaration.current_version
    form = PublishForm(request.POST or None, can_correct=current is not None)
    try:
        draft.refuse_unless_publishable(by=request.user)
        if request.method == "POST" and form.is_valid():
            published = review.publish(
                reviewed=draft,
                by=request.user,
                correction=form.is_correction,
                change_note=form.cleaned_data["change_note"],
            )
            messages.success(request, published_message(published))
            return redirect("drafting:index")
    except VersionStateError as error:
        return refused(request, DRAFT, draft, error)
    emails = reconfirmation_requests(declaration=draft.declaration)
    return render(
        request,
        "principles/drafting/publish.html",
        {
            "draft": draft,
            "form": form,
            "current": current,
            "number": draft.declaration.next_version_number(),
            "changes": compare(
                current.snapshot() if current else {"title": "", "preamble": "", "principles": []},
                draft.snapshot(),
            ),
            "email_count": sum(emails.values()),
            "emails_by_language": [
                (get_language_info(code)["name_translated"], count)
                for code, count in sorted(emails.items(), key=lambda item: -item[1])
            ],
        },
    )


def published_message(version: Version) -> str:
    if version.is_correction:
        return _(
            "Published as version %(number)s, an editorial correction: no endorser was asked "
            "to reconfirm."
        ) % {"number": version.number}
    return _("Published as version %(number)s; it is now the current version.") % {
        "number": version.number
    }


@role_required(EDIT)
def rebase(request, pk: int):
    """Rebase a draft onto the current version: what moves over by itself, and a choice for
    each item that both changed (the texts side by side)."""
    draft = get_object_or_404(
        Version.objects.in_progress().select_related("based_on", "declaration__current_version"),
        pk=pk,
    )
    try:
        draft.ensure_editable()
        plan = plan_rebase(draft)
    except VersionStateError as error:
        return refused(request, DRAFT, draft, error)
    form = RebaseForm(request.POST or None, conflicts=plan.conflicts)
    stale = None
    if request.method == "POST" and form.is_valid():
        try:
            revision = rebase_draft(
                draft=draft,
                by=request.user,
                choices=form.choices(),
                base_revision=form.cleaned_data["base_revision"],
                onto=form.cleaned_data["onto"],
            )
        except review.StaleEdit as error:
            stale = error.latest
        except VersionStateError as error:
            return refused(request, DRAFT, draft, error)
        else:
            messages.success(request, _("%(summary)s.") % {"summary": revision.summary})
            return redirect("drafting:draft", pk)
    if request.method == "GET" or stale is not None:
        # Afresh, from the draft as it is now (both texts shown again), keeping any choices made.
        plan = plan_rebase(draft)
        form = RebaseForm(
            initial={
                **{
                    name: value
                    for name, value in request.POST.items()
                    if name.startswith(("choice_", "edit_"))
                },
                "base_revision": review.latest_revision_id(of=draft),
                "onto": draft.declaration.current_version_id,
            },
            conflicts=plan.conflicts,
        )
    return render(
        request,
        "principles/drafting/rebase.html",
        {
            "draft": draft,
            "plan": plan,
            "counts": plan.counts(),
            "form": form,
            "stale": stale,
            "conflicts": [
                (item, form[f"choice_{item.key}"], form.edited_fields(item))
                for item in plan.conflicts
            ],
        },
        status=409 if stale else 200,
    )


@role_required(EDIT)
def discard(request, pk: int):
    """Discard a draft that was not published, after a confirmation."""
    draft = get_object_or_404(Version.objects.in_progress().prefetch_related("texts"), pk=pk)
    if request.method == "POST":
        try:
            review.discard(reviewed=draft, by=request.user)
        except VersionStateError as error:
            return refused(request, DRAFT, draft, error)
        messages.success(request, _("Draft discarded. Its history is kept."))
        return redirect("drafting:index")
    return render(request, "principles/drafting/discard.html", {"draft": draft})
