import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, get_conditional_response
from django.utils.html import format_html
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_safe
from django_ratelimit.core import get_usage
from django_ratelimit.decorators import ratelimit

from declaration_site.client_identity import client_network, too_many_emails_asked
from declaration_site.converters import is_ascii_number
from declaration_site.countries import EndorsementCountries
from declaration_site.public_cache import QueryParameters, cache_public_page, cached_value
from declaration_site.regions import Region
from declaration_site.stored_files import send_stored_file
from endorsements.certificate import certificate_to_serve
from principles.comparison import compare_published
from principles.models import ActionLine, Version
from principles.pdf.render import PdfBeingRendered, PdfRenderError

from . import charts
from .forms import (
    EmailForm,
    EndorsementForm,
    EndorserFilterForm,
    ReconfirmForm,
)
from .links import link_problem, signed_link
from .logos import accepts_logo
from .models import Endorsement
from .open_data import OpenDataNotReady, file_to_serve, stored_file_response
from .self_service.services import request_manage_links
from .services import (
    DuplicateEndorsement,
    confirm_endorsement,
    hourly_series_changed,
    reconfirm_endorsement,
    request_withdrawal_links,
    resend_confirmation,
    submit_endorsement,
    withdraw_endorsement,
)
from .statistics.hourly import endorsers_over_time
from .statistics.map import world_map

PAGE_SIZE = 50
ONE_DAY = 24 * 60 * 60


def version_on_screen(request) -> Version | None:
    """The version the form was shown for (posted back in a hidden field), else the current.

    A published version never changes, so the one a submission names is kept in the cache:
    every submission needs it."""
    number = request.POST.get("version", "")
    if is_ascii_number(number):
        version = cached_value(
            f"published-version:{number}",
            lambda: Version.objects.served().published().filter(number=number).first(),
            fixed_for=ONE_DAY,
        )
        if version is not None:
            return version
    return Version.objects.current().first()


def endorsement_rate(group, request) -> str:
    return settings.ENDORSEMENT_RATE_LIMIT


def accepted_endorsements(request, *, count: bool = False) -> dict | None:
    """How many endorsements this address has had accepted in the current window (adding this
    one when `count`): only accepted ones count, so that on an event's shared Wi-Fi the
    mistakes of some never lock out the next organisation. None when limits are off."""
    return get_usage(
        request,
        group="endorsements.endorse",
        key="ip",
        rate=endorsement_rate,
        method="POST",
        increment=count,
    )


def logo_rate(group, request) -> str:
    return settings.ENDORSEMENT_LOGO_RATE_LIMIT


def logos_allowed(request) -> bool:
    """Whether a logo sent with this form may be decoded: every form sent with one counts,
    accepted or not, since checking a logo costs up to half a second of CPU."""
    if "logo" not in request.FILES:
        return True
    usage = get_usage(
        request, group="endorsements.logo", key="ip", rate=logo_rate, method="POST", increment=True
    )
    return usage is None or usage["count"] <= usage["limit"]


def endorsement_limit_reached(request) -> bool:
    usage = accepted_endorsements(request)
    return usage is not None and usage["count"] >= usage["limit"]


@require_http_methods(["GET", "POST"])
@accepts_logo
def endorse(request):
    """The endorsement form. A valid submission is recorded and a confirmation link emailed."""
    version = version_on_screen(request)
    if version is None:
        return render(request, "principles/not_published.html")
    form = EndorsementForm(
        request.POST or None,
        request.FILES or None,
        version=version,
        logos_allowed=request.method != "POST" or logos_allowed(request),
    )
    context = {"form": form, "version": version}
    if request.method == "POST" and endorsement_limit_reached(request):
        return render(
            request, "endorsements/endorse.html", {**context, "rate_limited": True}, status=429
        )
    if request.method == "POST" and form.is_valid():
        try:
            submit_endorsement(
                details=form.cleaned_data,
                action_line_ids=form.cleaned_data["action_lines"],
                version=version,
                logo=form.cleaned_data["logo"],
                submitted_from=client_network(request),
            )
        except DuplicateEndorsement:
            form.add_error("organisation_name", duplicate_message())
        else:
            accepted_endorsements(request, count=True)
            return redirect("endorsements:sent")
    return render(request, "endorsements/endorse.html", context)


def duplicate_message() -> str:
    return format_html(
        '{} <a href="{}">{}</a>',
        _(
            "This organisation has already endorsed the declaration from this country, or its"
            " endorsement is waiting to be confirmed or moderated. If you sent it, look for the"
            " confirmation email."
        ),
        reverse("endorsements:resend"),
        _("Get a new confirmation link."),
    )


@require_GET
@cache_public_page
def sent(request):
    """Where every accepted submission lands: the same page for everyone, so it is cached."""
    return render(request, "endorsements/sent.html")


@require_GET
def privacy(request):
    return render(request, "endorsements/privacy.html")


@dataclass(frozen=True)
class LinkRequest:
    """What a page that emails links asks for and does with the contact's email."""

    action: Callable[..., None]
    title: str
    intro: str
    submit_label: str


LINK_REQUESTS = {
    "resend": LinkRequest(
        action=resend_confirmation,
        title=gettext_lazy("Get a new confirmation link"),
        intro=gettext_lazy(
            "Enter the contact email you gave when you endorsed. If an endorsement from it is"
            " waiting for confirmation, we will email a new link."
        ),
        submit_label=gettext_lazy("Email me a new link"),
    ),
    "withdraw": LinkRequest(
        action=request_withdrawal_links,
        title=gettext_lazy("Withdraw an endorsement"),
        intro=gettext_lazy(
            "Enter the contact email you gave when you endorsed. We will email a link with which"
            " you can withdraw your organisation's endorsement."
        ),
        submit_label=gettext_lazy("Email me a withdrawal link"),
    ),
    "manage": LinkRequest(
        action=request_manage_links,
        title=gettext_lazy("Manage an endorsement"),
        intro=gettext_lazy(
            "Enter the contact email you gave when you endorsed. If your organisation's"
            " endorsement is public, we will email a link with which you can change it or"
            " download what we store about it."
        ),
        submit_label=gettext_lazy("Email me a link to manage it"),
    ),
}


@require_http_methods(["GET", "POST"])
def link_request(request, purpose: str):
    """A page that asks for the contact's email and emails them links. It answers the same
    whether or not the address endorsed, so nobody can learn who endorsed from it."""
    page = LINK_REQUESTS[purpose]
    form = EmailForm(request.POST or None, submit_label=page.submit_label)
    context = {"form": form, "title": page.title, "intro": page.intro}
    if request.method == "POST" and too_many_emails_asked(
        request, group=f"endorsements.links.{purpose}"
    ):
        context["rate_limited"] = True
        return render(request, "endorsements/email_form.html", context, status=429)
    if request.method == "POST" and form.is_valid():
        page.action(email=form.cleaned_data["email"])
        return render(request, "endorsements/email_sent.html", {"title": page.title})
    return render(request, "endorsements/email_form.html", context)


def link_already_used(request, endorsement, purpose: str):
    return render(
        request,
        "endorsements/link_used.html",
        {"endorsement": endorsement, "purpose": purpose},
        status=409,
    )


@require_http_methods(["GET", "POST"])
@signed_link("confirm")
def confirm(request, endorsement, payload):
    """GET shows a button; only pressing it (POST) confirms, so mail scanners that open every
    link confirm nothing."""
    if endorsement.status != Endorsement.Status.UNCONFIRMED:
        return link_already_used(request, endorsement, "confirm")
    if request.method == "POST":
        confirmed = confirm_endorsement(endorsement=endorsement)
        if confirmed is None:  # cancelled, swept, confirmed or purged a moment ago
            current = Endorsement.objects.filter(pk=endorsement.pk).first()
            if current is None:
                return link_problem(request, "confirm", expired=True)
            return link_already_used(request, current, "confirm")
        hourly_series_changed()
        return render(request, "endorsements/confirmed.html", {"endorsement": confirmed})
    return render(request, "endorsements/confirm.html", {"endorsement": endorsement})


@require_http_methods(["GET", "POST"])
@signed_link("withdraw")
def withdraw(request, endorsement, payload):
    if endorsement.status not in Endorsement.LIVE_STATUSES:
        return link_already_used(request, endorsement, "withdraw")
    if request.method == "POST":
        withdraw_endorsement(endorsement=endorsement)
        endorsement.refresh_from_db()
        return render(request, "endorsements/withdrawn.html", {"endorsement": endorsement})
    return render(request, "endorsements/withdraw.html", {"endorsement": endorsement})


def certificate_rate(group, request) -> str:
    return settings.CERTIFICATE_RATE_LIMIT


@require_GET
@ratelimit(key="ip", rate=certificate_rate, method="GET", block=False)
@signed_link("certificate")
def certificate(request, endorsement, payload):
    """The signed one-page certificate of an approved endorsement, linked from the approval
    email, in the endorser's language whatever the address's; a withdrawn or not yet approved
    endorsement has none."""
    if request.limited:
        return render(request, "429.html", status=429)
    if endorsement.status != Endorsement.Status.APPROVED:
        context = {"endorsement": endorsement}
        return render(request, "endorsements/no_certificate.html", context, status=410)
    try:
        pdf = certificate_to_serve(endorsement)
    except PdfRenderError as error:
        context = {"being_rendered": isinstance(error, PdfBeingRendered), "certificate": True}
        response = render(request, "principles/pdf_unavailable.html", context, status=503)
        response["Retry-After"] = str(error.retry_after)
        return response
    # As principles/pdf/views.py serves the declaration's PDFs, from the default storage (by
    # nginx, with X_ACCEL_REDIRECT_PREFIX). Each stored file has a name of its own (a new
    # timestamp stores a new one): a reader who has this one already gets a 304.
    etag = f'"{hashlib.sha256(pdf.file.name.encode()).hexdigest()[:32]}"'
    response = get_conditional_response(request, etag=etag) or send_stored_file(
        pdf.file.storage,
        pdf.file.name,
        content_type="application/pdf",
        filename="endorsement-certificate.pdf",
    )
    response["ETag"] = etag
    response["Content-Language"] = pdf.language
    # Its own: not kept by shared caches, and a new one replaces it at the same address.
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_http_methods(["GET", "POST"])
@signed_link("reconfirm")
def reconfirm(request, endorsement, payload):
    """What changed since the version the endorser last endorsed, its commitments to choose
    again among the new version's action lines, and the button that endorses the new
    version."""
    version = get_object_or_404(Version.objects.served().published(), pk=payload.get("v"))
    endorsement = Endorsement.objects.select_related("version", "reconfirmed_version").get(
        pk=endorsement.pk
    )
    if (
        endorsement.status != Endorsement.Status.APPROVED
        or endorsement.latest_version.number >= version.number
    ):
        return link_already_used(request, endorsement, "reconfirm")
    # A browser posts no action_lines at all when every box is unchecked.
    form = ReconfirmForm(
        request.POST if request.method == "POST" else None,
        version=version,
        initial={
            "action_lines": list(endorsement.commitments_in(version).values_list("pk", flat=True))
        },
    )
    context = {"endorsement": endorsement, "version": version, "form": form}
    if request.method == "POST" and form.is_valid():
        reconfirm_endorsement(
            endorsement=endorsement,
            version=version,
            action_line_ids=form.cleaned_data["action_lines"],
        )
        return render(request, "endorsements/reconfirmed.html", context)
    earlier = endorsement.latest_version
    return render(
        request,
        "endorsements/reconfirm.html",
        {
            **context,
            "earlier": earlier,
            "comparison": compare_published(earlier, version),
            "dropped": [
                f"{line.principle.position}.{line.position}"
                for line in endorsement.commitments_missing_from(version)
            ],
        },
        status=400 if form.errors else 200,
    )


@functools.cache
def country_codes() -> frozenset[str]:
    return frozenset(code for code, _name in EndorsementCountries())


def is_page_number(value: str) -> bool:
    return is_ascii_number(value, max_digits=6)


# What a cached page of the list may be keyed by: the filters' valid values and the page
# number; searches by name (free text) are rendered for each request.
LIST_PARAMETERS = QueryParameters(
    {
        "country": lambda code: code in country_codes(),
        "region": lambda region: region in Region.values,
        "type": lambda kind: kind in Endorsement.OrganisationType.values,
        "trust": lambda level: level in Endorsement.TrustLevel.values,
        "page": is_page_number,
    },
    uncached={"q"},
    defaults={"page": "1"},
)


@require_GET
# Compressed for readers who accept it: with its map and 50 entries the page is about 80 KB,
# 10 KB gzipped. Safe from BREACH: a shared, cached page holds no secret (no CSRF token, no
# session) for reflected input to be compared against.
@cache_public_page(parameters=LIST_PARAMETERS)
def endorser_list(request):
    """Approved endorsers, searchable and filterable, with totals and charts. Every filter is
    a query parameter, so each page of results has a stable URL."""
    public = Endorsement.objects.public()
    filters = EndorserFilterForm(request.GET)
    found = public.search(**filters.search_terms)
    endorsers = found.with_public_relations().prefetch_related(
        Prefetch(
            "action_lines",
            queryset=ActionLine.objects.select_related("principle").order_by(
                "principle__position", "position"
            ),
        )
    )
    page = Paginator(endorsers, PAGE_SIZE).get_page(request.GET.get("page"))
    current = Version.objects.current().first()
    statistics = public_statistics(current)
    response = render(
        request,
        "endorsements/list.html",
        {
            "filters": filters,
            "page": page,
            "query_string": filters.query_string(),
            "current": current,
            "totals": statistics["totals"],
            "verified_count": statistics["by_trust_level"].get(Endorsement.TrustLevel.VERIFIED, 0),
            "domain_confirmed_count": statistics["by_trust_level"].get(
                Endorsement.TrustLevel.DOMAIN_CONFIRMED, 0
            ),
            "by_type": charts.labelled(statistics["by_type"], Endorsement.OrganisationType.choices),
            "by_region": charts.bars(
                statistics["by_region"], Endorsement._meta.get_field("region").choices
            ),
            "over_time": over_time_chart(statistics["over_time"]),
            "world_map": cached_value(
                f"endorser-map:{get_language()}", lambda: world_map(statistics["by_country"])
            ),
            "by_version": charts.bars(statistics["totals"]["by_version"], version_choices(current)),
        },
    )
    if request.GET.get("page", "1") != str(page.number):
        # A page number past the end shows the last page: keep such addresses out of the
        # cache, or anyone could fill it with one entry per number.
        add_never_cache_headers(response)
    return response


def public_statistics(current: Version | None) -> dict:
    """The totals and charts of the public list: the same whatever the filters and the page,
    so they are computed once each time the public content changes, not for every page."""
    public = Endorsement.objects.public()
    return cached_value(
        f"endorser-statistics:{current.pk if current else None}",
        lambda: {
            "totals": public.totals_by_version(current),
            "by_type": public.count_by("organisation_type"),
            "by_region": public.count_by("region"),
            "by_trust_level": public.count_by("trust_level"),
            "by_country": public.count_by("country"),
            "over_time": endorsers_over_time(Endorsement.objects.events_by_hour()),
        },
    )


def over_time_chart(over_time: dict) -> dict:
    """The column chart of endorsers over time, by day or by month."""
    label_format = "j M Y" if over_time["by_day"] else "M Y"
    chart = charts.columns(over_time["changes"], label_format=label_format)
    return {**chart, "by_day": over_time["by_day"]}


def version_choices(current: Version | None) -> list[tuple[int, str]]:
    """Each published version up to `current`, oldest first: published versions are numbered
    from 1 without a gap."""
    return [
        (number, _("Version %(number)s") % {"number": number})
        for number in range(1, (current.number if current else 0) + 1)
    ]


OPEN_DATA_RETRY_AFTER_SECONDS = 10


@require_safe
def open_data_file(request, kind: str):
    """An open data file, served like a static file: the stored build streamed (by sendfile
    under gunicorn), with a validator so that a reader who has it gets a 304. One query."""
    try:
        stored = file_to_serve(kind)
    except OpenDataNotReady:
        response = render(request, "endorsements/open_data_unavailable.html", status=503)
        response["Retry-After"] = str(OPEN_DATA_RETRY_AFTER_SECONDS)
        return response
    return stored_file_response(request, stored)


@require_GET
# Readers through a proxy see an approval within two seconds: a second here, at most a second
# for this process to see the change (public_cache.GENERATION_CHECK_SECONDS).
@cache_public_page(max_age=1)
def endorsers_count(request):
    """The live totals, for embedding on other sites: every current endorser, whatever the
    version it endorsed; how many endorsed the current version; and how many have each
    version as the latest they endorsed."""
    current = Version.objects.current().first()
    totals = Endorsement.objects.public().totals_by_version(current)
    response = JsonResponse(
        {
            "endorsers": totals["total"],
            "current_version": current.number if current else None,
            "endorsers_of_current_version": totals["for_version"],
            "endorsers_by_latest_version": {
                str(number): totals["by_version"].get(number, 0)
                for number in range(1, (current.number if current else 0) + 1)
            },
        }
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response
