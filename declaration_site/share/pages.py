"""Which pages are public, with their description and share card: `share_meta` gives each
public page's template what templates/site/share_meta.html renders in its head.

A view may set `page_description` (and `page_title`) in its context for a page whose own text
describes it better (a version's preamble, an endorser's statement); its context comes after
this processor's. Pages missing from PUBLIC_PAGES (staff pages, personal links from emails)
get no description and no card: nobody should share them.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .cards import current_card

ABOUT_THE_DECLARATION = _(
    "A public declaration on connecting every school and learner to the internet: read it in"
    " six languages, see who endorses it and endorse it on behalf of your organisation."
)
ABOUT_ENDORSING = _(
    "Organisations endorse the declaration here: fill in one form and confirm by email; the"
    " secretariat checks each endorsement before it appears in the public list."
)
ABOUT_CONSULTATIONS = _(
    "Public consultations on the declaration's next version: read the draft, propose changes"
    " and see what was heard and what changed."
)


@dataclass(frozen=True)
class Page:
    kind: str  # of share card (cards.KINDS)
    description: str
    og_type: str = "website"


PUBLIC_PAGES = {
    "principles:current": Page("declaration", ABOUT_THE_DECLARATION, "article"),
    "principles:version": Page("declaration", ABOUT_THE_DECLARATION, "article"),
    "principles:about": Page("declaration", ABOUT_THE_DECLARATION),
    "principles:versions": Page(
        "versions",
        _("Every published version of the declaration, each at its permanent address."),
    ),
    "principles:compare": Page(
        "versions", _("What changed between two versions of the declaration, word by word.")
    ),
    "principles:verify": Page(
        "verify",
        _("Check that a PDF of the declaration was signed by this site and has not been changed."),
    ),
    "endorsements:endorse": Page("endorse", ABOUT_ENDORSING),
    "endorsements:sent": Page("endorse", ABOUT_ENDORSING),
    "endorsements:resend": Page("endorse", ABOUT_ENDORSING),
    "endorsements:withdraw-request": Page("endorse", ABOUT_ENDORSING),
    "endorsements:manage-request": Page("endorse", ABOUT_ENDORSING),
    "endorsements:privacy": Page(
        "privacy",
        _("What the site keeps about endorsing organisations, why and for how long."),
    ),
    "endorsements:list": Page(
        "endorsers",
        _("The organisations that endorse the declaration, by country, region and type."),
    ),
    "endorsements:endorser": Page("declaration", ABOUT_THE_DECLARATION, "profile"),
    "consultation:list": Page("consultations", ABOUT_CONSULTATIONS),
    "consultation:detail": Page("consultations", ABOUT_CONSULTATIONS, "article"),
    "consultation:contribute": Page("consultations", ABOUT_CONSULTATIONS),
    "consultation:withdrawal-links": Page("consultations", ABOUT_CONSULTATIONS),
    "consultation:report": Page("consultations", ABOUT_CONSULTATIONS, "article"),
}
# An address that matches no page (Django's 404 has no view): the declaration's card.
NOT_FOUND = Page("declaration", ABOUT_THE_DECLARATION)
OPEN_GRAPH_LOCALES = {
    "en": "en_GB",
    "ar": "ar_AR",
    "zh-hans": "zh_CN",
    "fr": "fr_FR",
    "ru": "ru_RU",
    "es": "es_ES",
}


def share_meta(request) -> dict:
    """The description, address and (lazily: most renders come from the page cache) the
    share card of a public page; nothing for another page."""
    match = request.resolver_match
    page = NOT_FOUND if match is None else PUBLIC_PAGES.get(match.view_name)
    if page is None:
        return {}
    return {
        "page_description": page.description,
        "share_page": page,
        "share_url": settings.SITE_URL + request.path,
        "share_locale": OPEN_GRAPH_LOCALES.get(get_language(), "en_GB"),
        "share_card": SimpleLazyObject(lambda: current_card(page.kind)),
    }
