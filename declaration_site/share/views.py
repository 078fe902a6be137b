from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_safe

from ..public_cache import ValueNotReady
from .cards import KINDS, card_png, current_card

# A card's address names its content: what it serves never changes.
CARD_MAX_AGE = 365 * 24 * 60 * 60
# An earlier card's address (shared before the count changed) leads to the current one.
REDIRECT_MAX_AGE = 60


@require_safe
def share_card(request, kind: str, digest: str):
    """The card of `kind` in the reader's language, when `digest` names what it shows now; a
    503 while another request draws it or the cache does not answer (cards.card_png)."""
    if kind not in KINDS:
        raise Http404("No such card.")
    card = current_card(kind)
    if digest != card.digest:
        response = HttpResponseRedirect(card.url)
        response["Cache-Control"] = f"public, max-age={REDIRECT_MAX_AGE}"
        return response
    try:
        png = card_png(card)
    except ValueNotReady as not_ready:
        response = HttpResponse(status=503)
        response["Retry-After"] = str(not_ready.retry_after)
        add_never_cache_headers(response)
        return response
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = f"public, max-age={CARD_MAX_AGE}, immutable"
    return response
