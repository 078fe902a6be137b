"""Each endorser's public page and its "We endorse" badge.

Only an endorsement that was approved has a page: one approved now answers 200; one that was
approved and then withdrawn or revoked answers 410 with nothing about the organisation; any
other (unknown, waiting, rejected, spam, withdrawn before approval) answers 404, so that the
addresses never tell whether a submission exists.
"""

from functools import wraps

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseNotFound
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from declaration_site.public_cache import QueryParameters, cache_public_page

from ..certificate import certificate_language
from ..models import Endorsement
from . import badges
from .commitments import commitments_on_page

# Public ids are 12 hex digits (`new_public_id`); the field allows 20. Anything longer is not
# looked up at all.
PUBLIC_ID_MAX_LENGTH = 20
# Sites that show the badge may keep it this long; the public cache is fresh at once.
BADGE_MAX_AGE = 10 * 60
# The badge draws nothing but its own shapes and text: no script, no style sheet, no fetch.
BADGE_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"
BADGE_PARAMETERS = QueryParameters(
    {"theme": lambda theme: theme in badges.THEMES}, defaults={"theme": badges.LIGHT}
)


def endorser_or_gone(public_id: str, endorsements=None):
    """The approved endorsement with `public_id` (among `endorsements`), or None when it was
    approved once and is no longer (withdrawn or revoked: the caller answers 410); Http404 for
    any other."""
    endorsements = Endorsement.objects.all() if endorsements is None else endorsements
    endorser = endorsements.filter(public_id=public_id).first()
    if endorser is None or endorser.approved_at is None:
        raise Http404
    if endorser.status == Endorsement.Status.APPROVED:
        return endorser
    if endorser.status in {Endorsement.Status.WITHDRAWN, Endorsement.Status.REVOKED}:
        return None
    raise Http404


def public_id_checked(view):
    """404 for an id longer than any public id, before the cache is asked about it."""

    @wraps(view)
    def wrapped(request, public_id):
        if len(public_id) > PUBLIC_ID_MAX_LENGTH:
            raise Http404
        return view(request, public_id)

    return wrapped


@require_safe
@public_id_checked
@cache_public_page
def endorser_page(request, public_id):
    endorser = endorser_or_gone(public_id, Endorsement.objects.for_public_page())
    if endorser is None:
        return render(request, "endorsements/endorser_gone.html", status=410)
    page_url = settings.SITE_URL + request.path
    badge_url = settings.SITE_URL + reverse("endorsements:badge", args=[endorser.public_id])
    title = badges.declaration_title()
    badge_width, badge_height = badges.size(title)
    badge_alt = _("%(organisation)s endorses “%(declaration)s”") % {
        "organisation": badges.printable(endorser.organisation_name),
        "declaration": title,
    }
    context = {
        "endorser": endorser,
        "page_url": page_url,
        "page_title": endorser.organisation_name,
        "page_description": endorser.statement or badge_alt,
        "logo": logo_of(endorser),
        "commitments": commitments_on_page(endorser),
        "reconfirmations": endorser.reconfirmations.all(),
        "certificate_url": reverse(
            "endorsements:certificate", args=[endorser.link_token("certificate")]
        ),
        "certificate_language": certificate_language(endorser),
        "badge_width": badge_width,
        "badge_height": badge_height,
        "badge_alt": badge_alt,
        "badge_snippet": format_html(
            '<a href="{}"><img src="{}" alt="{}" width="{}" height="{}"></a>',
            page_url,
            badge_url,
            badge_alt,
            badge_width,
            badge_height,
        ),
    }
    return render(request, "endorsements/endorser.html", context)


def logo_of(endorser) -> dict | None:
    if endorser.logo_id is None:
        return None
    return {
        "url": endorser.logo_url("large"),
        "width": endorser.logo.width,
        "height": endorser.logo.height,
        "alt": _("Logo of %(organisation)s") % {"organisation": endorser.organisation_name},
    }


@require_safe
@public_id_checked
@cache_public_page(parameters=BADGE_PARAMETERS, max_age=BADGE_MAX_AGE)
def badge(request, public_id):
    theme = request.GET.get("theme") or badges.LIGHT
    if theme not in badges.THEMES:
        # Only the two themes exist; a bare answer, so that nothing typed is ever echoed.
        return HttpResponseNotFound("Not found", content_type="text/plain")
    endorser = endorser_or_gone(public_id)
    if endorser is None:
        return render(request, "endorsements/endorser_gone.html", status=410)
    svg = render_to_string("endorsements/badge.svg", badges.drawing(endorser, theme=theme))
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Content-Security-Policy"] = BADGE_CSP
    response["X-Content-Type-Options"] = "nosniff"
    return response
