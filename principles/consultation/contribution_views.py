"""Taking part: the form for a comment or an amendment, confirming it by email, withdrawing it."""

from functools import wraps

from django.conf import settings
from django.shortcuts import get_object_or_404, render
from django.urls import translate_url
from django.utils.translation import get_language, get_language_info
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import get_usage

from declaration_site.client_identity import posted_email, too_many_emails_asked
from declaration_site.converters import is_ascii_number

from ..models import Consultation, Contribution, Invitation
from .contribution_forms import ContributionForm, EmailForm
from .contributions import (
    WITHDRAWABLE,
    Clause,
    clause_of,
    confirm_contribution,
    confirmation_max_age,
    is_taking_part,
    send_withdrawal_links,
    submit_contribution,
    withdraw_contribution,
)


class CannotTakePart(Exception):
    """The form cannot be shown for this address: why, in words for the participant."""

    def __init__(self, message: str, *, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def contribution_rate(group, request) -> str:
    return settings.CONSULTATION_RATE_LIMIT


# Each accepted contribution counts against its address and its email: mistakes do not count,
# so a shared network is not locked out by them, and an inbox cannot be flooded with links.
LIMITS = [("consultation.contribute", "ip"), ("consultation.contribute.email", posted_email)]


def contributions_sent(request, *, count: bool = False) -> list[dict]:
    usages = [
        get_usage(
            request, group=group, key=key, rate=contribution_rate, method="POST", increment=count
        )
        for group, key in LIMITS
    ]
    return [usage for usage in usages if usage is not None]  # None: limits are off


def too_many_contributions(request) -> bool:
    """Whether this address, or the posted email, sent as many contributions as an hour
    allows."""
    return any(usage["count"] >= usage["limit"] for usage in contributions_sent(request))


def taking_part(consultation: Consultation, query) -> dict:
    """What the query parameters ask for (kind, clause, reply, invitation), checked against the
    consultation; raises CannotTakePart with the reason."""
    if not is_taking_part(consultation):
        raise CannotTakePart(_("This consultation is not open for contributions."), status=403)
    invitation = None
    token = query.get("invitation", "")
    if token:
        invitation = Invitation.from_token(token, consultation=consultation)
    if consultation.is_invited_only and invitation is None:
        raise CannotTakePart(
            _(
                "Only invited organisations take part in this consultation. Use the personal"
                " link from your invitation email."
            ),
            status=403,
        )
    kind = query.get("kind") or Contribution.Kind.COMMENT
    if kind not in Contribution.Kind.values:
        raise CannotTakePart(_("Choose to comment, to propose an amendment or a new action line."))
    parent = replied_to(consultation, query.get("reply_to", ""))
    key = parent.item_key if parent else query.get("item", "")
    clause = clause_of(consultation, key)
    if clause is None:
        raise CannotTakePart(_("The consulted text has no such clause."))
    check_kind(kind, clause, parent)
    return {"kind": kind, "clause": clause, "parent": parent, "invitation": invitation}


def replied_to(consultation: Consultation, value: str) -> Contribution | None:
    if not value:
        return None
    parent = None
    if is_ascii_number(value):
        parent = consultation.contributions.public().filter(pk=value).first()
    if parent is None:
        raise CannotTakePart(_("The contribution you are replying to is not public."))
    return parent


def check_kind(kind: str, clause: Clause, parent: Contribution | None) -> None:
    if parent is not None and kind != Contribution.Kind.COMMENT:
        raise CannotTakePart(_("A reply is a comment: propose an amendment on its own."))
    if kind == Contribution.Kind.AMENDMENT and not clause.amendable:
        raise CannotTakePart(_("Choose the principle or action line you propose to amend."))
    if kind == Contribution.Kind.NEW_ACTION_LINE and not clause.is_principle:
        raise CannotTakePart(_("A new action line is proposed under one of the principles."))


def language_refused(request, consultation: Consultation):
    """The page in a language the consultation does not take contributions in: links to the
    same page in each language it does."""
    languages = [
        (code, get_language_info(code)["name_local"], translate_url(request.get_full_path(), code))
        for code, _name in settings.LANGUAGES
        if code in consultation.languages
    ]
    return render(
        request,
        "principles/consultation/take_part_language.html",
        {"consultation": consultation, "languages": languages},
        status=400,
    )


@require_http_methods(["GET", "POST"])
def contribute(request, slug):
    """The form for a comment or an amendment; a valid one is recorded, unconfirmed, and the
    participant emailed a confirmation link."""
    consultation = get_object_or_404(Consultation.objects.select_related("revision"), slug=slug)
    try:
        target = taking_part(consultation, request.GET)
    except CannotTakePart as refused:
        context = {"consultation": consultation, "message": refused.message}
        return render(
            request, "principles/consultation/cannot_take_part.html", context, status=refused.status
        )
    language = get_language()
    if language not in consultation.languages:
        return language_refused(request, consultation)
    form = ContributionForm(
        request.POST if request.method == "POST" else None,
        kind=target["kind"],
        initial=initial_values(target),
    )
    context = {"consultation": consultation, "form": form, "heading": heading(target), **target}
    if request.method == "POST" and form.is_valid():
        if too_many_contributions(request):
            context["rate_limited"] = True
            return render(request, "principles/consultation/take_part.html", context, status=429)
        submit_contribution(
            consultation=consultation, details=form.cleaned_data, language=language, **target
        )
        contributions_sent(request, count=True)
        return render(request, "principles/consultation/sent.html", context)
    form.display_without_nul()
    status = 400 if form.errors else 200
    return render(request, "principles/consultation/take_part.html", context, status=status)


def heading(target: dict) -> str:
    if target["parent"] is not None:
        return _("Reply to a comment")
    return {
        Contribution.Kind.AMENDMENT: _("Propose an amendment"),
        Contribution.Kind.NEW_ACTION_LINE: _("Propose a new action line"),
    }.get(target["kind"], _("Comment on the draft"))


def initial_values(target: dict) -> dict:
    initial = {}
    if target["kind"] == Contribution.Kind.AMENDMENT:
        initial["proposed_text"] = target["clause"].text
    invitation = target["invitation"]
    if invitation is not None:
        initial |= {"organisation_name": invitation.organisation_name, "email": invitation.email}
    return initial


def emailed_link(purpose: str, *, max_age=None):
    """Resolve the token of an emailed link to its contribution, or explain why it does not
    work: altered or incomplete (400), or too old (410)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, token):
            pk = Contribution.read_link_token(token, purpose, max_age=max_age and max_age())
            contribution = None
            if pk is not None and isinstance(pk, int):
                contribution = (
                    Contribution.objects.select_related("consultation__revision")
                    .filter(pk=pk)
                    .first()
                )
            if contribution is None:
                expired = Contribution.read_link_token(token, purpose) is not None
                return render(
                    request,
                    "principles/consultation/link_problem.html",
                    {"expired": expired},
                    status=410 if expired else 400,
                )
            return view(request, contribution)

        return wrapper

    return decorator


@require_http_methods(["GET", "POST"])
@emailed_link("confirm", max_age=confirmation_max_age)
def confirm(request, contribution):
    """GET shows the contribution and a button; only pressing it (POST) confirms, so mail
    scanners that open every link confirm nothing."""
    context = {"contribution": contribution, "clause": clause_for(contribution)}
    if request.method == "POST" and confirm_contribution(contribution=contribution):
        return render(request, "principles/consultation/confirmed.html", context)
    contribution.refresh_from_db()
    if contribution.status != Contribution.Status.UNCONFIRMED:
        return render(request, "principles/consultation/confirm_done.html", context, status=409)
    if not is_taking_part(contribution.consultation):
        message = _("The consultation closed before this contribution was confirmed.")
        context = {"consultation": contribution.consultation, "message": message}
        return render(request, "principles/consultation/cannot_take_part.html", context, status=403)
    return render(request, "principles/consultation/confirm.html", context)


@require_http_methods(["GET", "POST"])
@emailed_link("withdraw")
def withdraw(request, contribution):
    """GET explains what withdrawing does; the POST withdraws."""
    context = {"contribution": contribution, "clause": clause_for(contribution)}
    if request.method == "POST" and withdraw_contribution(contribution=contribution):
        return render(request, "principles/consultation/withdrawn.html", context)
    if contribution.status not in WITHDRAWABLE or request.method == "POST":
        return render(request, "principles/consultation/withdraw_done.html", context, status=409)
    return render(request, "principles/consultation/withdraw.html", context)


def clause_for(contribution: Contribution) -> Clause | None:
    return clause_of(contribution.consultation, contribution.item_key)


@require_http_methods(["GET", "POST"])
def withdrawal_links(request):
    """Asks for the email a participant gave and emails it a withdrawal link for each of its
    contributions. It answers the same whether or not the address took part."""
    form = EmailForm(request.POST if request.method == "POST" else None)
    context = {"form": form}
    if request.method == "POST" and too_many_emails_asked(
        request, group="consultation.withdrawal-links"
    ):
        context["rate_limited"] = True
        return render(request, "principles/consultation/withdrawal_links.html", context, status=429)
    if request.method == "POST" and form.is_valid():
        send_withdrawal_links(email=form.cleaned_data["email"], language=get_language())
        return render(request, "principles/consultation/withdrawal_links_sent.html")
    status = 400 if form.errors else 200
    return render(request, "principles/consultation/withdrawal_links.html", context, status=status)
