"""An endorser managing its endorsement from an emailed link, and the Moderators' queue of the
name and country changes endorsers ask for."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ..links import signed_link
from ..logos import LogoRefused, accepts_logo, approve_logo, process_logo, reject_logo
from ..models import Endorsement, EndorsementChange, EndorsementStateError, Logo, LogoStateError
from .export import export_data
from .forms import ChangeDecisionForm, LogoDecisionForm, ManageForm
from .services import (
    NameTaken,
    StaleEdit,
    approve_change,
    check_fresh,
    committed_line_ids,
    decline_change,
    fingerprint,
    pending_change,
    update_endorsement,
)

# As on the other moderation pages (a view module imports no other view module).
moderator_required = permission_required("endorsements.moderate_endorsement", raise_exception=True)


def not_manageable(request, endorsement):
    """Only an approved endorsement can be managed: say why this one cannot."""
    waiting = endorsement.status in {Endorsement.Status.UNCONFIRMED, Endorsement.Status.CONFIRMED}
    return render(
        request,
        "endorsements/manage_closed.html",
        {"endorsement": endorsement, "waiting": waiting},
        status=409 if waiting else 410,
    )


def initial_values(endorsement) -> dict:
    change = pending_change(endorsement)
    return {
        "organisation_name": change.organisation_name if change else endorsement.organisation_name,
        "country": change.country.code if change else endorsement.country.code,
        "website": endorsement.website,
        "statement": endorsement.statement,
        "action_lines": committed_line_ids(endorsement),
    }


@require_http_methods(["GET", "POST"])
@accepts_logo
@signed_link("manage")
def manage(request, endorsement, payload):
    """The endorser's page: what it may change, and the download of what is stored."""
    if endorsement.status != Endorsement.Status.APPROVED:
        return not_manageable(request, endorsement)
    version = endorsement.latest_version
    if request.method == "POST":
        form = ManageForm(request.POST, request.FILES, version=version)
        saved = form.is_valid() and save(form, endorsement)
        stale = saved if isinstance(saved, Endorsement) else None
        if form.is_valid() and not stale:
            # Which notice the page shows after the redirect: the query says nothing that the
            # page does not check against the endorsement (see `saved_notice`).
            unverified = "verification" in saved
            return redirect(f"{request.path}?saved={'unverified' if unverified else '1'}")
    else:
        form = ManageForm(initial=initial_values(endorsement), version=version)
        stale = None
    response = render(
        request,
        "endorsements/manage.html",
        {
            "endorsement": endorsement,
            "form": form,
            "version": version,
            # A stale page gets the fingerprint of what is saved now: saving again is a choice.
            "seen": fingerprint(endorsement),
            "stale": stale,
            "change": pending_change(endorsement),
            "logo_waiting": endorsement.logos.filter(status="pending").exists(),
            "saved": request.method == "GET" and request.GET.get("saved") in {"1", "unverified"},
            # Told only while it is true: a forged ?saved=unverified on a verified endorser
            # shows nothing.
            "unverified": request.method == "GET"
            and request.GET.get("saved") == "unverified"
            and endorsement.verified_at is None,
        },
        status=400 if form.errors or stale else 200,
    )
    add_never_cache_headers(response)
    return response


def save(form: ManageForm, endorsement) -> Endorsement | list[str]:
    """Apply a valid form; errors go onto the form. Returns the endorsement as saved now when
    the page was stale (nothing saved), else the names of what changed (none on an error)."""
    data = form.cleaned_data
    logo = None
    try:
        if data["logo"]:
            # Decoding costs up to a third of a second: not for a post that will be refused.
            check_fresh(endorsement, seen=data["seen"])
            logo = process_logo(data["logo"])
        return update_endorsement(
            endorsement=endorsement,
            seen=data["seen"],
            organisation_name=data["organisation_name"],
            country=data["country"],
            website=data["website"],
            statement=data["statement"],
            action_line_ids=data["action_lines"],
            logo=logo,
        )
    except LogoRefused as refused:
        form.add_error("logo", str(refused))
    except NameTaken:
        form.add_error(
            "organisation_name",
            _(
                "Another organisation with this name has endorsed from this country, or its"
                " endorsement is waiting. Check the name, or write to us if it is yours."
            ),
        )
    except StaleEdit as stale:
        current = stale.current
        current.commitments = list(current.commitments_in(current.latest_version))
        return current
    return []


@require_GET
@signed_link("manage")
def export(request, endorsement, payload):
    """Everything stored about the organisation, as a JSON file; never kept by any cache."""
    if endorsement.status != Endorsement.Status.APPROVED:
        return not_manageable(request, endorsement)
    response = HttpResponse(
        json.dumps(export_data(endorsement), ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="endorsement-data.json"'
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@moderator_required
@require_http_methods(["GET", "POST"])
def changes_queue(request):
    """New names, countries and logos that endorsers asked for: approve or decline each."""
    about_logo = "logo" in request.POST
    form = (LogoDecisionForm if about_logo else ChangeDecisionForm)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        (decide_logo if about_logo else decide)(request, form)
        return redirect("endorsements:moderation-changes")
    return render(
        request,
        "endorsements/changes_queue.html",
        {
            "form": form,
            "changes": EndorsementChange.objects.in_queue()[:100],
            "logos": Logo.objects.in_queue()[:100],
        },
        status=400 if form.errors else 200,
    )


def decide_logo(request, form: LogoDecisionForm) -> None:
    logo = get_object_or_404(
        Logo.objects.select_related("endorsement"), pk=form.cleaned_data["logo"]
    )
    organisation = logo.endorsement.organisation_name
    try:
        if form.cleaned_data["decision"] == "approve":
            approve_logo(logo=logo, moderator=request.user)
            messages.success(
                request,
                _("Approved the new logo of %(organisation)s.") % {"organisation": organisation},
            )
        else:
            reject_logo(logo=logo, moderator=request.user)
            messages.success(
                request,
                _("Declined the new logo of %(organisation)s.") % {"organisation": organisation},
            )
    except (LogoStateError, EndorsementStateError):
        messages.info(request, _("Someone decided this logo already, or it was withdrawn."))


def decide(request, form: ChangeDecisionForm) -> None:
    change = get_object_or_404(EndorsementChange, pk=form.cleaned_data["change"])
    try:
        if form.cleaned_data["decision"] == "approve":
            approve_change(change=change, moderator=request.user)
            messages.success(request, _("Approved: %(change)s") % {"change": change})
        else:
            decline_change(
                change=change, moderator=request.user, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("Declined: %(change)s") % {"change": change})
    except NameTaken:
        messages.error(
            request,
            _(
                "Not approved: another live endorsement has this name in this country"
                " (%(change)s). Decline it, with a note."
            )
            % {"change": change},
        )
    except EndorsementStateError:
        messages.info(request, _("Someone decided this change already, or it was withdrawn."))
