"""Moderators' pages for what participants send: the queue and one contribution."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from principles.models import AuditEntry, Contribution

from .moderation import decided_by_others, moderate_contributions, queue_entries
from .moderation_forms import ContributionModerationForm, QueueFilterForm

PAGE_SIZE = 50

moderator_required = permission_required("principles.moderate_contribution", raise_exception=True)


@login_required
@moderator_required
@require_http_methods(["GET", "POST"])
def moderation_queue(request):
    """Contributions waiting for moderation, oldest first, in every consultation or one; decide
    on one or several at once."""
    filter_form = QueueFilterForm(request.GET)
    consultation = filter_form.cleaned_data["consultation"] if filter_form.is_valid() else None
    action = reverse("consultation:moderation")
    if consultation:
        action += "?" + urlencode({"consultation": consultation.slug})
    form = ContributionModerationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        decide(request, form)
        return redirect(action)
    waiting = Contribution.objects.in_moderation_queue()
    if consultation:
        waiting = waiting.filter(consultation=consultation)
    page = Paginator(waiting, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "principles/consultation/moderation_queue.html",
        {
            "form": form,
            "filter_form": filter_form,
            "consultation": consultation,
            "page": page,
            "entries": queue_entries(list(page)),
            "action": action,
            "selected": form.cleaned_data.get("contributions", []) if form.is_bound else [],
        },
        status=400 if form.is_bound else 200,
    )


@login_required
@moderator_required
@require_http_methods(["GET", "POST"])
def moderate(request, pk: int):
    """One contribution, its flags and its record, and the decision about it alone."""
    contribution = get_object_or_404(
        Contribution.objects.select_related("consultation__revision", "parent", "moderated_by"),
        pk=pk,
    )
    data = None
    if request.method == "POST":
        data = request.POST.copy()
        data.setlist("contributions", [str(pk)])
    form = ContributionModerationForm(data)
    if data is not None and form.is_valid():
        decide(request, form)
        return redirect("consultation:moderate", pk)
    return render(
        request,
        "principles/consultation/moderation_detail.html",
        {
            "entry": queue_entries([contribution])[0],
            "contribution": contribution,
            "form": form,
            "history": AuditEntry.objects.about(contribution).for_reading(),
        },
        status=400 if form.is_bound else 200,
    )


def decide(request, form: ContributionModerationForm) -> None:
    """Carry out a valid decision and tell the moderator what it did, and which contributions
    were no longer waiting when it arrived (another moderator's decision, a withdrawal)."""
    requested = form.cleaned_data["contributions"]
    decided = moderate_contributions(
        contributions=Contribution.objects.filter(pk__in=requested),
        decision=form.cleaned_data["decision"],
        moderator=request.user,
        code=form.cleaned_data["code"],
        reason=form.cleaned_data["reason"],
    )
    if decided:
        messages.success(
            request, _("%(count)d contribution(s) moderated.") % {"count": len(decided)}
        )
    for other in decided_by_others(requested=requested, decided=decided):
        values = {"number": other.pk, "status": other.get_status_display().lower()}
        if other.moderated_by:
            values["person"] = other.moderated_by.get_username()
            message = _("Contribution %(number)s was already decided by %(person)s: %(status)s.")
        else:
            message = _("Contribution %(number)s is no longer waiting: %(status)s.")
        messages.warning(request, message % values)
