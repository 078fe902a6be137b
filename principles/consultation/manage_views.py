"""Publishers' pages: opening a draft for consultation, its dates, its invitations."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from ..drafting.roles import role_required
from ..models import Consultation, ConsultationStateError, Contribution, Invitation, Version
from . import services
from .manage_forms import ClosingForm, InviteForm, OpenConsultationForm

OPEN = "principles.open_consultation"


@role_required(OPEN)
def manage_list(request):
    """Every consultation, open ones first, with its status and dates."""
    consultations = Consultation.objects.listed().annotate(
        contribution_count=Count("contributions")
    )
    return render(
        request, "principles/consultation/manage_list.html", {"consultations": consultations}
    )


@role_required(OPEN)
def open_consultation(request, version_id: int):
    """The form that opens a draft for consultation, now or at a later time."""
    draft = get_object_or_404(Version.objects.select_related("declaration"), pk=version_id)
    try:
        services.refuse_unless_draft(draft)
    except ConsultationStateError as error:
        messages.error(request, str(error))
        return redirect("consultation:manage-list")
    form = OpenConsultationForm(request.POST or None, initial=_initial(draft))
    if request.method == "POST" and form.is_valid():
        try:
            consultation = services.open_consultation(
                draft=draft, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        except ConsultationStateError as error:
            form.add_error(None, str(error))
        else:
            if consultation.is_open:
                messages.success(request, _("The consultation is open."))
            else:
                messages.success(
                    request, _("The consultation is set up; the task worker opens it on time.")
                )
            return redirect("consultation:manage", consultation.slug)
    return render(
        request,
        "principles/consultation/manage_open.html",
        {"draft": draft, "form": form},
        status=400 if form.errors else 200,
    )


def _initial(draft: Version) -> dict:
    now = timezone.now().replace(second=0, microsecond=0)
    return {
        "title": _("Consultation on %(title)s") % {"title": draft.source_text.title},
        "opens_at": now,
        "closes_at": now + timedelta(days=30),
        "languages": [code for code, _name in settings.LANGUAGES],
    }


@role_required(OPEN)
def manage(request, slug: str):
    """One consultation for its publishers: status, dates, counts, closing, invitations."""
    consultation = get_object_or_404(
        Consultation.objects.select_related("draft", "created_by"), slug=slug
    )
    closing_form = ClosingForm(request.POST or None, initial={"closes_at": consultation.closes_at})
    if request.method == "POST":
        return _change_closing(request, consultation, closing_form)
    return _manage_page(request, consultation, closing_form)


def _change_closing(request, consultation, form):
    if form.is_valid():
        try:
            services.move_closing(
                consultation=consultation, by=request.user, closes_at=form.cleaned_data["closes_at"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        except ConsultationStateError as error:
            # Closed meanwhile: the page no longer offers a closing time to change.
            messages.error(request, str(error))
            return redirect("consultation:manage", consultation.slug)
        else:
            messages.success(request, _("The closing time is changed."))
            return redirect("consultation:manage", consultation.slug)
    return _manage_page(request, consultation, form, status=400)


def _manage_page(request, consultation, closing_form, *, status=200):
    counts = dict(
        consultation.contributions.order_by()
        .values_list("status")
        .annotate(count=Count("pk"))
        .values_list("status", "count")
    )
    return render(
        request,
        "principles/consultation/manage.html",
        {
            "consultation": consultation,
            "closing_form": closing_form,
            "counts": [
                (label, counts.get(value, 0)) for value, label in Contribution.Status.choices
            ],
            "total": sum(counts.values()),
            "invitations": consultation.invitations.select_related("invited_by"),
            "language_names": dict(settings.LANGUAGES),
        },
        status=status,
    )


@require_POST
@role_required(OPEN)
def close(request, slug: str):
    consultation = get_object_or_404(Consultation, slug=slug)
    try:
        services.close_now(consultation=consultation, by=request.user)
    except ConsultationStateError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The consultation is closed."))
    return redirect("consultation:manage", consultation.slug)


@role_required(OPEN)
def invite(request, slug: str):
    """Invite organisations to an advisory round, several at once."""
    consultation = get_object_or_404(Consultation, slug=slug)
    form = InviteForm(
        request.POST or None,
        consultation=consultation,
        initial={"language": request.LANGUAGE_CODE},
    )
    if request.method == "POST" and form.is_valid():
        try:
            invited = services.invite(
                consultation=consultation,
                by=request.user,
                invitees=form.cleaned_data["invitees"],
                language=form.cleaned_data["language"],
                listed=form.cleaned_data["listed"],
            )
        except ValidationError as error:
            form.add_error("invitees", error)
        except ConsultationStateError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)d organisation invited; it is sent its personal link.",
                    "%(count)d organisations invited; each is sent its personal link.",
                    len(invited),
                )
                % {"count": len(invited)},
            )
            return redirect("consultation:manage", consultation.slug)
    return render(
        request,
        "principles/consultation/manage_invite.html",
        {"consultation": consultation, "form": form},
        status=400 if form.errors else 200,
    )


@require_POST
@role_required(OPEN)
def resend(request, slug: str, pk: int):
    invitation = get_object_or_404(
        Invitation.objects.select_related("consultation"), pk=pk, consultation__slug=slug
    )
    try:
        services.resend_invitation(invitation=invitation, by=request.user)
    except ConsultationStateError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("The invitation is sent again to %(email)s.") % {"email": invitation.email},
        )
    return redirect("consultation:manage", invitation.consultation.slug)
