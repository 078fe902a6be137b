"""Comments on the items of a draft or a translation: start a thread, answer it, resolve it.
Each form sits on the page of the draft or translation, or on the edit page of the item, and
leads back to it (`next`); the rules are `comments`'."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..models import ReviewComment, VersionStateError
from . import comments
from .forms import CommentForm
from .kinds import DRAFT, TRANSLATION, Kind
from .roles import EDIT, any_role_required

REVIEW = "principles.review_draft"


def editors_and_reviewers(view):
    return require_POST(any_role_required(EDIT, REVIEW)(view))


def back(request, reviewed, kind: Kind, anchor: str):
    """To the page the form was on, if it is one of ours, else the page of the draft or
    translation; at the thread or item acted on."""
    page = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(page, allowed_hosts={request.get_host()}):
        page = reverse(kind.detail, args=[reviewed.pk])
    return redirect(f"{page.partition('#')[0]}#{anchor}")


def refused(request, form: CommentForm, *, back_to: str):
    """A comment or answer that is not valid (too long, a NUL byte) is shown again with its
    error on a page of its own, which posts it again: the typed text is never lost. A NUL
    byte is dropped from what is echoed, which HTML cannot carry."""
    form.data = form.data.copy()
    form.data["comment"] = form.data.get("comment", "").replace("\x00", "")
    context = {
        "form": form,
        "item_key": request.POST.get("item_key", "")[:36],
        "next": request.POST.get("next", "").replace("\x00", ""),
        "back": back_to,
    }
    return render(request, "principles/drafting/comment_refused.html", context, status=400)


def _kind_of(comment: ReviewComment) -> Kind:
    return DRAFT if comment.version_id else TRANSLATION


def _refused_or_sent(request, action, *, success: str):
    try:
        action()
    except VersionStateError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success)


@editors_and_reviewers
def start(request, pk: int, kind: Kind):
    reviewed = get_object_or_404(kind.shown(), pk=pk)
    item_key = request.POST.get("item_key", "")
    form = CommentForm(request.POST)
    if form.is_valid():
        _refused_or_sent(
            request,
            lambda: comments.start_thread(
                reviewed=reviewed,
                item_key=item_key,
                by=request.user,
                text=form.cleaned_data["comment"],
            ),
            success=_("Comment added."),
        )
    else:
        return refused(request, form, back_to=reverse(kind.detail, args=[reviewed.pk]))
    return back(request, reviewed, kind, f"item-{item_key}")


def thread_or_404(pk: int) -> ReviewComment:
    return get_object_or_404(
        ReviewComment.objects.select_related("version", "translation"), pk=pk, parent=None
    )


@editors_and_reviewers
def answer(request, pk: int):
    thread = thread_or_404(pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        _refused_or_sent(
            request,
            lambda: comments.answer(
                thread=thread, by=request.user, text=form.cleaned_data["comment"]
            ),
            success=_("Answer added."),
        )
    else:
        kind = _kind_of(thread)
        return refused(request, form, back_to=reverse(kind.detail, args=[thread.reviewed.pk]))
    return back(request, thread.reviewed, _kind_of(thread), f"thread-{thread.pk}")


@editors_and_reviewers
def resolve(request, pk: int):
    thread = thread_or_404(pk)
    _refused_or_sent(
        request,
        lambda: comments.resolve(thread=thread, by=request.user),
        success=_("Thread resolved."),
    )
    return back(request, thread.reviewed, _kind_of(thread), f"thread-{thread.pk}")
