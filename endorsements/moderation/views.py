"""Moderators' pages: the queue of confirmed endorsements, one endorsement's page with its
record, revoking an approval, and the export of contact details."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from declaration_site.spreadsheets import neutralise
from principles.models import AuditEntry, Contribution

from ..models import Endorsement, EndorsementStateError
from ..services import (
    moderate_endorsements,
    revoke_approval,
    verify_endorser,
    withdraw_verification,
)
from .forms import ModerationForm, RevocationForm, UnverificationForm, VerificationForm

PAGE_SIZE = 50

moderator_required = permission_required("endorsements.moderate_endorsement", raise_exception=True)


def queue_url(*, unflagged: bool) -> str:
    url = reverse("endorsements:moderation")
    return f"{url}?flags=none" if unflagged else url


@login_required
@moderator_required
@require_http_methods(["GET", "POST"])
def moderation_queue(request):
    """Confirmed endorsements waiting for a decision; decide on one or several at once, or on
    every one on the page (`?all=1`, the "approve all on this page" button)."""
    unflagged = request.GET.get("flags") == "none"
    form = ModerationForm(posted_decision(request))
    if request.method == "POST" and form.is_valid():
        decide(request, form)
        return redirect(queue_url(unflagged=unflagged))
    waiting = Endorsement.objects.awaiting_moderation()
    shown = waiting.without_flags() if unflagged else waiting
    page = Paginator(shown.in_queue_order(), PAGE_SIZE).get_page(request.GET.get("page"))
    similar = Endorsement.objects.similar_to(page.object_list)
    return render(
        request,
        "endorsements/moderation_queue.html",
        {
            "form": form,
            "page": page,
            "unflagged": unflagged,
            "waiting_count": page.paginator.count if not unflagged else waiting.count(),
            "flagged_on_page": sum(e.is_flagged(similar[e.pk]) for e in page),
            "action": queue_url(unflagged=unflagged),
            "entries": [(endorsement, similar[endorsement.pk]) for endorsement in page],
            "contributions_waiting": contributions_waiting(request.user),
        },
    )


def contributions_waiting(user) -> int | None:
    """How many consultation contributions wait, for a moderator of those too."""
    if not user.has_perm("principles.moderate_contribution"):
        return None
    return Contribution.objects.in_moderation_queue().count()


def posted_decision(request):
    """The posted decision; with `?all=1`, about every endorsement that was on the page."""
    if request.method != "POST":
        return None
    data = request.POST.copy()
    if request.GET.get("all"):
        data.setlist("endorsements", data.getlist("on_page"))
    return data


def decide(request, form: ModerationForm) -> None:
    """Carry out a valid decision and tell the Moderator what it did, and which endorsements
    someone else had decided before it arrived."""
    requested = form.cleaned_data["endorsements"]
    decided = moderate_endorsements(
        endorsements=Endorsement.objects.filter(pk__in=requested),
        decision=form.cleaned_data["decision"],
        moderator=request.user,
        reason=form.cleaned_data["reason"],
        code=form.cleaned_data["code"],
        notify=form.cleaned_data["notify"],
    )
    if decided:
        messages.success(
            request, _("%(count)d endorsement(s) moderated.") % {"count": len(decided)}
        )
    for other in Endorsement.objects.decided_by_others(requested=requested, decided=decided):
        messages.warning(
            request,
            _("%(name)s was already decided by %(person)s: %(status)s.")
            % {
                "name": other.organisation_name,
                "person": other.moderated_by.get_username() if other.moderated_by else "—",
                "status": other.get_status_display().lower(),
            },
        )


def moderation_page(request, pk: int, *, status=200, **forms):
    """One endorsement's page; `forms` are those posted back with their errors."""
    endorsement = get_object_or_404(Endorsement.objects.for_moderation_page(), pk=pk)
    return render(
        request,
        "endorsements/moderation_detail.html",
        {
            "endorsement": endorsement,
            "others": Endorsement.objects.similar_to([endorsement])[endorsement.pk],
            "form": ModerationForm(),
            "revocation_form": forms.get("revocation_form") or RevocationForm(),
            "verification_form": forms.get("verification_form") or VerificationForm(),
            "unverification_form": forms.get("unverification_form") or UnverificationForm(),
            "history": AuditEntry.objects.about(endorsement).select_related("actor"),
        },
        status=status,
    )


@login_required
@moderator_required
@require_GET
def moderation_detail(request, pk: int):
    return moderation_page(request, pk)


@login_required
@moderator_required
@require_http_methods(["POST"])
def revoke(request, pk: int):
    """Take back an approval, for a reason: the endorsement leaves the public list."""
    form = RevocationForm(request.POST)
    if not form.is_valid():
        return moderation_page(request, pk, revocation_form=form, status=400)
    endorsement = get_object_or_404(Endorsement, pk=pk)
    try:
        revoke_approval(
            endorsement=endorsement, moderator=request.user, reason=form.cleaned_data["reason"]
        )
    except EndorsementStateError:
        endorsement.refresh_from_db()
        messages.warning(
            request,
            _("%(name)s is no longer approved (%(status)s); nothing was revoked.")
            % {
                "name": endorsement.organisation_name,
                "status": endorsement.get_status_display().lower(),
            },
        )
    else:
        messages.success(
            request,
            _("The approval of %(name)s is revoked; it has left the public list.")
            % {"name": endorsement.organisation_name},
        )
    return redirect("endorsements:moderation-detail", pk)


CONTACT_FIELDS = [
    "id",
    "status",
    *Endorsement.SUBMITTED_FIELDS,
    "submitted_at",
    "confirmed_at",
    "approved_at",
    "withdrawn_at",
]


class Echo:
    def write(self, value):
        return value


def csv_response(rows, *, fields: list[str], filename: str) -> StreamingHttpResponse:
    writer = csv.writer(Echo())
    lines = (writer.writerow([neutralise(row[field]) for field in fields]) for row in rows)
    response = StreamingHttpResponse(
        (line for chunk in ([writer.writerow(fields)], lines) for line in chunk),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@permission_required("endorsements.export_endorsement_contacts", raise_exception=True)
@require_GET
def contacts_export(request):
    """Every endorsement with its contact details, for staff allowed to see them."""
    rows = Endorsement.objects.order_by("pk").values(*CONTACT_FIELDS).iterator(chunk_size=2000)
    return csv_response(rows, fields=CONTACT_FIELDS, filename="endorsements-with-contacts.csv")


@login_required
@moderator_required
@require_POST
def verify(request, pk: int):
    """Record how a Moderator verified the endorser (never public), or, with `withdraw`, take
    a verification recorded in error back, for a reason."""
    withdrawing = "withdraw" in request.POST
    form = (UnverificationForm if withdrawing else VerificationForm)(request.POST)
    if not form.is_valid():
        name = "unverification_form" if withdrawing else "verification_form"
        return moderation_page(request, pk, status=400, **{name: form})
    endorsement = get_object_or_404(Endorsement, pk=pk)
    try:
        if withdrawing:
            withdraw_verification(
                endorsement=endorsement, moderator=request.user, reason=form.cleaned_data["reason"]
            )
        else:
            verify_endorser(
                endorsement=endorsement, moderator=request.user, note=form.cleaned_data["note"]
            )
    except EndorsementStateError:
        endorsement.refresh_from_db()
        messages.warning(request, verification_refused(endorsement, withdrawing=withdrawing))
    else:
        messages.success(
            request,
            (
                _("The verification of %(name)s is withdrawn.")
                if withdrawing
                else _("%(name)s is now shown as verified by the secretariat.")
            )
            % {"name": endorsement.organisation_name},
        )
    return redirect("endorsements:moderation-detail", pk)


def verification_refused(endorsement: Endorsement, *, withdrawing: bool) -> str:
    """Why nothing was recorded: another Moderator got there first, or the endorsement is in
    a state where its verification means nothing."""
    values = {"name": endorsement.organisation_name}
    if endorsement.status not in {Endorsement.Status.CONFIRMED, Endorsement.Status.APPROVED}:
        values["status"] = endorsement.get_status_display().lower()
        return _("%(name)s is %(status)s; nothing was recorded.") % values
    if withdrawing:
        return _("%(name)s is not verified; nothing was changed.") % values
    values["person"] = endorsement.verified_by.get_username() if endorsement.verified_by else "—"
    return _("%(name)s was already verified by %(person)s; nothing was recorded.") % values
