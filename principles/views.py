from django.conf import settings
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import get_language

from declaration_site.public_cache import cache_public_page

from .comparison import compare
from .models import SOURCE_LANGUAGE, Version


@cache_public_page
def current(request):
    """The declaration as it stands now: its current published version. Its numbers cite the
    version's permalink, since the clause at `/#principle-3-action-3` changes with the text."""
    version = Version.objects.with_text().with_pdf_size().current().first()
    if version is None:
        return render(request, "principles/not_published.html")
    return render_version(
        request,
        version,
        is_current=True,
        canonical_path=reverse("principles:current"),
        citation_base=reverse("principles:version", args=[version.number]),
    )


@cache_public_page
def version_detail(request, number: int):
    """The permalink of one published version, current or earlier: its anchors are citations."""
    version = get_object_or_404(
        Version.objects.with_text().with_pdf_size().served().published(),
        number=number,
    )
    return render_version(
        request,
        version,
        is_current=version.declaration.current_version_id == version.pk,
        canonical_path=reverse("principles:version", args=[version.number]),
        citation_base="",
    )


def render_version(request, version, *, is_current: bool, canonical_path: str, citation_base: str):
    """The page of `version`; its principle and action-line numbers link to
    `citation_base` + their anchor."""
    return render(
        request,
        "principles/version.html",
        {
            "version": version,
            "is_current": is_current,
            "canonical_url": request.build_absolute_uri(canonical_path),
            "citation_base": citation_base,
            "permalink_url": settings.SITE_URL
            + reverse("principles:version", args=[version.number]),
            **shared_as(version),
        },
    )


@cache_public_page
def about(request):
    """How the declaration was made, what this site is, and whom to write to."""
    return render(request, "principles/about.html")


def shared_as(version: Version) -> dict:
    """A version's page is described by its own title and preamble when shared, when they are
    in the reader's language; else by the site's description of the declaration, which is."""
    if version.text is None or version.text.language != get_language():
        return {}
    return {
        "page_title": version.text.title,
        "page_description": Truncator(version.text.preamble).words(30),
    }


@cache_public_page
def version_list(request):
    """Every published version, newest first, each linking to its permalink."""
    versions = (
        Version.objects.served().published().select_related("declaration").prefetch_related("texts")
    )
    return render(request, "principles/version_list.html", {"versions": versions})


@cache_public_page
def compare_versions(request, old: int, new: int):
    """What changed between two published versions, item by item, word by word."""
    versions = {
        version.number: version
        for version in Version.objects.with_text(SOURCE_LANGUAGE)
        .served()
        .published()
        .filter(number__in=[old, new])
    }
    if old not in versions or new not in versions:
        raise Http404("No such version.")
    return render(
        request,
        "principles/compare.html",
        {
            "old": versions[old],
            "new": versions[new],
            "comparison": compare(
                versions[old].snapshot_of_loaded_text(), versions[new].snapshot_of_loaded_text()
            ),
            # What the publishers said of each version the comparison spans.
            "change_notes": Version.objects.served()
            .published()
            .filter(number__gt=min(old, new), number__lte=max(old, new))
            .filter(Q(is_correction=True) | ~Q(change_note=""))
            .order_by("number"),
        },
    )
