"""The public pages of consultations: the list, a consultation, an invited organisation's
personal link."""

from functools import wraps
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import Truncator
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from declaration_site.public_cache import (
    QueryParameters,
    cache_public_page,
    public_content_changed,
)
from principles.comparison import compare
from principles.models import Consultation, Contribution, Invitation

from .reading import CLAUSE_ANCHOR, ORDERS, principles_of, read_clauses

READING_PARAMETERS = QueryParameters(
    {
        "order": lambda value: value in ORDERS,
        "clause": lambda value: bool(CLAUSE_ANCHOR.match(value)),
        "page": lambda value: value.isascii() and value.isdigit() and len(value) <= 4,
    },
    defaults={"order": ORDERS[0], "page": "1"},
)


@cache_public_page
def consultation_list(request):
    """Open consultations first, then those not open yet, then past ones."""
    consultations = Consultation.objects.listed().annotate(
        public_contributions=Count(
            "contributions", filter=Q(contributions__status=Contribution.Status.APPROVED)
        )
    )
    groups = {status: [] for status in Consultation.Status.values}
    for consultation in consultations:
        groups[consultation.status].append(consultation)
    return render(
        request,
        "principles/consultation/list.html",
        {
            "groups": [
                (Consultation.Status.OPEN, groups["open"]),
                (Consultation.Status.SCHEDULED, groups["scheduled"]),
                (Consultation.Status.CLOSED, groups["closed"]),
            ],
            "any": bool(consultations),
        },
    )


@cache_public_page(parameters=READING_PARAMETERS)
def detail(request, slug):
    """A consultation's permanent address: its dates and, once open and unless it is an
    advisory round, the consulted text with what changed and the approved contributions."""
    consultation = get_object_or_404(
        Consultation.objects.select_related("revision", "compared_with"), slug=slug
    )
    if consultation.is_invited_only:
        return render(
            request,
            "principles/consultation/detail_invited_only.html",
            {
                "consultation": consultation,
                "invited": consultation.invitations.filter(listed=True),
            },
        )
    return render(
        request,
        "principles/consultation/detail.html",
        {
            "consultation": consultation,
            **_reading(request, consultation),
            **_described_by(consultation),
        },
    )


def _described_by(consultation) -> dict:
    """When shared, a consultation is described by its own introduction, if it has one."""
    if not consultation.introduction:
        return {}
    return {"page_description": Truncator(consultation.introduction).words(40)}


def personal(view):
    """A page reached through an invitation's personal link: never kept by any cache, never
    indexed, and the link is never sent on to another site as the referrer."""

    @never_cache
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapped


@require_http_methods(["GET", "HEAD", "POST"])
@personal
def invited(request, slug, token):
    """An invited organisation's page: the text and contributions of the advisory round, how
    to take part with its invitation, and whether it may be named publicly as invited."""
    consultation = (
        Consultation.objects.select_related("revision", "compared_with").filter(slug=slug).first()
    )
    invitation = consultation and Invitation.from_token(token, consultation=consultation)
    if invitation is None:
        return render(
            request,
            "principles/consultation/invitation_invalid.html",
            {"consultation": consultation},
            status=404,
        )
    if request.method == "POST":
        listed = request.POST.get("listed")
        if listed in {"yes", "no"}:
            invitation.listed = listed == "yes"
            invitation.save(update_fields=["listed"])
            public_content_changed()
            return redirect(request.path + "#listing")
    return render(
        request,
        "principles/consultation/invited.html",
        {
            "consultation": consultation,
            "invitation": invitation,
            "invitation_query": "&" + urlencode({"invitation": token}),
            "listing_error": request.method == "POST",
            **_reading(request, consultation),
        },
        status=400 if request.method == "POST" else 200,
    )


def _reading(request, consultation) -> dict:
    """What a page showing the consulted text needs: its clauses with their contributions and
    what changed against the published version; nothing before the consultation opens."""
    if consultation.text is None:
        return {}
    order = request.GET.get("order")
    order = order if order in ORDERS else ORDERS[0]
    clauses = read_clauses(
        consultation,
        order=order,
        clause=request.GET.get("clause", ""),
        page=request.GET.get("page", "1"),
    )
    comparison = None
    if consultation.compared_with is not None:
        comparison = compare(consultation.compared_with.snapshot(), consultation.text)
    return {
        "text": consultation.text,
        "whole_text": clauses[""],
        "preamble": clauses["version"],
        "principles": principles_of(clauses),
        "order": order,
        "comparison": comparison,
    }
