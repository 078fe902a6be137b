"""Serving endorsers' logos from storage."""

from django.http import FileResponse, Http404
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.views.decorators.http import require_safe

from .models import Endorsement, Logo

SIZES = {"small", "large"}
HEX_DIGITS = "0123456789abcdef"
ONE_YEAR = 365 * 24 * 60 * 60


@require_safe
def logo(request, public_id: str, name: str):
    """The logo `name` ("<first 16 hex digits of its hash>-small" or "-large") of the endorser
    `public_id`: to everyone, the approved logo that a public endorser shows, kept by browsers
    for good since its address changes with the image; to moderators, also a logo waiting for
    moderation, kept by nobody. One query for the public, two for a moderator."""
    short_hash, _, size = name.rpartition("-")
    if size not in SIZES or len(short_hash) != 16 or short_hash.strip(HEX_DIGITS):
        raise Http404
    found = (
        Logo.objects.filter(endorsement__public_id=public_id, content_hash__startswith=short_hash)
        .select_related("endorsement")
        .only("small", "large", "status", "endorsement__status", "endorsement__logo_id")
        .order_by("-pk")
        .first()
    )
    if found is None:
        raise Http404
    shown = (
        found.endorsement.status == Endorsement.Status.APPROVED
        and found.endorsement.logo_id == found.pk
    )
    if not shown and not (
        found.status == Logo.Status.PENDING
        and request.user.has_perm("endorsements.moderate_endorsement")
    ):
        raise Http404
    field = found.small if size == "small" else found.large
    try:
        response = FileResponse(field.storage.open(field.name), content_type="image/webp")
    except FileNotFoundError:
        raise Http404 from None
    response["X-Content-Type-Options"] = "nosniff"
    if shown:
        patch_cache_control(response, public=True, max_age=ONE_YEAR, immutable=True)
    else:
        add_never_cache_headers(response)
        patch_cache_control(response, private=True)
    return response
