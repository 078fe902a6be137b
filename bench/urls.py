"""The site's URLs plus `/floor/<size>.<kind>`: a trivial view that returns a fixed page of
`size` bytes, the fastest any Django page can be served with the site's settings and middleware.
Only bench/settings.py uses this URLconf; production never serves it."""

from functools import cache

from django.http import HttpResponse
from django.urls import path

from declaration_site.urls import urlpatterns as site_urlpatterns

CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "json": "application/json",
    "pdf": "application/pdf",
}


@cache
def fixed_page(size: int) -> bytes:
    return b"x" * size


def floor(request, size: int, kind: str):
    return HttpResponse(fixed_page(size), content_type=CONTENT_TYPES.get(kind, "text/plain"))


urlpatterns = [path("floor/<int:size>.<str:kind>", floor), *site_urlpatterns]
