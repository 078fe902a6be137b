"""Comments on the items of a draft or a translation: start a thread, answer it, resolve it.
Each form sits on the page of the draft or translation, or on the edit page of the item, and
leads back to it (`next`); the rules are `comments`'."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
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
        messages.error(request, _("Write a comment first."))
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
        messages.error(request, _("Write an answer first."))
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
