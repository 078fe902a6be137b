"""What the site tells caches outside it: the proxy in front (nginx) and browsers.

A view that serves what every anonymous reader sees identically (the pages
`public_cache.cache_public_page` serves, the signed PDF, the open data files) says so with
`shared_with_everyone(response)`: the response carries `X-Accel-Expires`, nginx's opt-in to its
one-second microcache (nginx takes the header off), with `Cache-Control: public` for as long as
suits it. `SharedResponsesMiddleware` then checks, once every other middleware has written its
cookies, that the response really is the same for everyone, and makes private any that is not:
a reader with a session or pending messages, a page that used a CSRF token, a response that sets
a cookie (even the language cookie: nginx would not store it, and the next reader must get their
own), anything but a 200 or a 304. No other response ever carries the header, and every response
that says nothing of caching is `private`: no shared cache stores a form, a signed-in page or an
error.

A shared response carries a validator (an `ETag` made when the page was rendered and stored with
it in the public cache, the stored file's name or hash), so the middleware answers a reader who
has it already with a 304 from the cached entry: no page is rendered again to find out.
"""

import time

from django.conf import settings
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import parse_http_date_safe

from .middleware import TextGZipMiddleware

SHARED_HEADER = "X-Accel-Expires"
# Seconds nginx may serve a shared response without asking gunicorn again.
PROXY_SECONDS = 1


def shared_with_everyone(response):
    """Mark `response` as the same for every anonymous reader: a proxy may store it. The view
    says how long anyone may keep it (`Cache-Control: public, max-age=…`)."""
    response[SHARED_HEADER] = proxy_expiry()
    return response


def proxy_expiry() -> str:
    """`@<a Unix time>`: nginx keeps the response until the end of that second. nginx counts
    whole seconds, so "1" (one second from now) would keep it until the end of the next second,
    up to two; this keeps it up to PROXY_SECONDS, which leaves room within the two seconds in
    which an approval must show in the count (a server process may take one more to see it)."""
    return f"@{int(time.time()) + PROXY_SECONDS - 1}"


def same_for_everyone(request, response) -> bool:
    """Whether a response marked shared really is: what a proxy stores goes to other readers."""
    return (
        response.status_code in {200, 304}
        and not response.cookies
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and "private" not in response.get("Cache-Control", "")
        and "no-store" not in response.get("Cache-Control", "")
    )


class SharedResponsesMiddleware:
    """Keep the proxy's opt-in and `public` only on responses that are the same for everyone,
    make every other response private, and answer conditional requests for shared ones.

    Listed before SessionMiddleware and the other middleware that write cookies, so that it sees
    the response as they leave it; after TextGZipMiddleware, as Django's ConditionalGetMiddleware
    is, so that it answers 304 before anything is compressed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header(SHARED_HEADER):
            if not response.has_header("Cache-Control"):
                patch_cache_control(response, private=True)
            return response
        if not same_for_everyone(request, response):
            del response[SHARED_HEADER]
            patch_cache_control(response, private=True)
            return response
        return not_modified(request, response) or response


def not_modified(request, response):
    """A 304 for a reader who holds the shared `response` already (If-None-Match,
    If-Modified-Since), still marked for the proxy, which revalidates with it; else None."""
    if response.status_code != 200 or request.method not in {"GET", "HEAD"}:
        return None
    answer = get_conditional_response(
        request,
        etag=response.get("ETag"),
        last_modified=parse_http_date_safe(response.get("Last-Modified", "")),
        response=response,
    )
    if answer is response:
        return None
    if answer.status_code == 304:
        answer[SHARED_HEADER] = response[SHARED_HEADER]
        TextGZipMiddleware.describe_not_modified(request, response, answer)
    else:  # 412: the reader asked for a copy it does not have
        patch_cache_control(answer, private=True)
    return answer
