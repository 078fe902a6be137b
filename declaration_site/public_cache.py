"""What every reader sees, kept in the configured cache (`CACHE_URL`) until it changes.

Cached entries are keyed by a generation number. The services that change what the public sees
(publishing a version; approving, reconfirming or withdrawing an endorsement) call
`public_content_changed()`, which moves to the next generation once their transaction commits,
so the next reader gets fresh content at once: nothing waits for a timeout. A reader reads the
generation before reading the database, so a page rendered while a change commits is stored
under the old generation and never served after it.

With the default local-memory cache each server process has its own cache and sees only the
changes made in that process: several processes (gunicorn workers, servers) need a shared cache,
`CACHE_URL=redis://…`, as the README's production layout says.
"""

import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.utils.translation import get_language

GENERATION_KEY = "public:generation"
# Entries of past generations are never read again; this only lets the cache drop them.
KEEP_SECONDS = 24 * 60 * 60


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        # Start from the clock, not from 1, so that after the cache lost the key (eviction,
        # restart) no entry of an earlier generation can match again.
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)
        value = cache.get(GENERATION_KEY)
    return value


def public_content_changed() -> None:
    """Once the current transaction commits, make every cached public page and value stale."""
    transaction.on_commit(_next_generation)


def _next_generation() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, time.time_ns(), timeout=None)


def cached_value(name: str, compute):
    """`compute()`, kept until the public content next changes."""
    key = f"public:{generation()}:{name}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, KEEP_SECONDS)
    return value


def cache_public_page(view):
    """Serve the page from the cache to anonymous readers, per address, host and language.

    Not cached: requests with a query string, readers with a session or pending messages (the
    header shows signed-in people their own links), pages that put a CSRF token in a form or set
    a cookie. Cookies that middleware adds (the language cookie) are added to each response
    afterwards, so a cached page never carries another reader's cookies.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not _cacheable_request(request):
            return view(request, *args, **kwargs)
        key = (
            f"public:{generation()}:page:{request.scheme}://{request.get_host()}"
            f"{request.path}:{get_language()}"
        )
        if (cached := cache.get(key)) is not None:
            content, headers = cached
            return HttpResponse(content, headers=headers)
        response = view(request, *args, **kwargs)
        if _cacheable_response(request, response):
            cache.set(key, (response.content, dict(response.headers)), KEEP_SECONDS)
        return response

    return wrapped


def _cacheable_request(request) -> bool:
    return (
        request.method in {"GET", "HEAD"}
        and not request.GET
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def _cacheable_response(request, response) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    )
