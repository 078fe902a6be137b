"""Rendering the drafting pages: those that hold a form, a refusal, and the page that edits one
item of a draft or a translation."""

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from ..models import AnotherDraftInReview, ReviewState, Revision, VersionStateError
from . import comments, review
from .kinds import Kind


def form_page(
    request,
    template: str,
    context: dict,
    *,
    refusal: VersionStateError | None = None,
    of: ReviewState | None = None,
):
    """Render a page holding a form. After a save refused (`refusal`, a VersionStateError)
    because the draft or translation `of` left the editing state meanwhile, answer 409: the
    form still holds what was typed, and `refusal.html` says why and offers what can be done
    from the state `of` is in now."""
    if refusal is None:
        return render(request, template, context)
    of.refresh_from_db()
    return render(request, template, {**context, "refusal": str(refusal)}, status=409)


def refused(request, kind: Kind, reviewed: ReviewState, error: Exception):
    """Back to the page of the draft or translation, saying why the action was refused; a
    refusal because another draft is in review links to that draft."""
    message = str(error)
    if isinstance(error, AnotherDraftInReview):
        message = format_html(
            '{} <a href="{}">{}</a>',
            message,
            reverse("drafting:draft", args=[error.draft.pk]),
            _("See the draft in review."),
        )
    messages.error(request, message)
    return redirect(kind.detail, reviewed.pk)


def change_state(request, *, kind: Kind, reviewed: ReviewState, service, success: str, **kwargs):
    """Run `service(reviewed=, by=, **kwargs)`, a step of review, and go back to the page of
    the draft or translation saying what happened."""
    try:
        service(reviewed=reviewed, by=request.user, **kwargs)
    except VersionStateError as error:
        return refused(request, kind, reviewed, error)
    messages.success(request, success)
    return redirect(kind.detail, reviewed.pk)


def edit_item_page(
    request,
    *,
    kind: Kind,
    reviewed: ReviewState,
    item_key: str,
    current: dict,
    form_class,
    save,
    form_kwargs: dict | None = None,
    context: dict,
    done_url: str | None = None,
):
    """Show and save the edit form of one item of a draft or translation (`current`: its
    text now; `save(cleaned_data)`: the kind's service), refusing a stale save with both texts
    shown, and a save into one that left editing meanwhile (in review, scheduled or published)
    with the typed text kept on screen. After a save, go to `done_url` (by default, the item
    on the page of the draft or translation)."""
    form_kwargs = form_kwargs or {}
    conflict = refusal = None
    if request.method == "POST":
        form = form_class(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                revision = save(form.cleaned_data)
            except review.StaleEdit as stale:
                conflict = stale.latest
                form = form_with_new_base(form_class, request.POST, conflict, **form_kwargs)
            except VersionStateError as error:
                refusal = error
            else:
                if revision is None:
                    messages.info(request, _("Nothing had changed, so nothing was saved."))
                else:
                    messages.success(
                        request, _("Saved: %(summary)s.") % {"summary": revision.summary}
                    )
                return redirect(
                    done_url or reverse(kind.detail, args=[reviewed.pk]) + f"#item-{item_key}"
                )
    else:
        base = review.latest_revision_id(of=reviewed, item_key=item_key)
        form = form_class(initial={**current, "base_revision": base}, **form_kwargs)
    # Both kinds' histories begin with a "start" revision.
    earlier = reviewed.revisions.filter(Q(item_key=item_key) | Q(action=Revision.Action.START))
    return form_page(
        request,
        "principles/drafting/edit_item.html",
        {
            kind.name: reviewed,
            "reviewed": reviewed,
            "kind": kind,
            "item_key": item_key,
            "form": form,
            "conflict": conflict,
            "current": current,
            "threads": comments.threads_by_item(reviewed).get(item_key, []),
            "can_comment": comments.may_comment(request.user, reviewed),
            "earlier": [
                (revision, revision.item_text(item_key))
                for revision in earlier.select_related("author")
            ],
            **context,
        },
        refusal=refusal,
        of=reviewed,
    )


def form_with_new_base(form_class, data, latest, **form_kwargs):
    """The typed text, now based on the latest revision, so that saving again deliberately
    replaces the other person's text."""
    data = data.copy()
    data["base_revision"] = latest.pk
    form = form_class(data, **form_kwargs)
    form.is_valid()
    return form
