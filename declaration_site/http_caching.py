"""What the site tells caches outside it: the proxy in front (nginx) and browsers.

A view that serves what every anonymous reader sees identically (the pages
`public_cache.cache_public_page` serves, the signed PDF, the open data files) says so with
`shared_with_everyone(response)`: the response carries `X-Accel-Expires`, nginx's opt-in to its
one-second microcache (nginx takes the header off). `SharedResponsesMiddleware` then checks, once
every other middleware has written its cookies, that the response really is the same for
everyone, and takes the opt-in away from any that is not: a reader with a session or pending
messages, a page that used a CSRF token, a response that sets a cookie other than the language
cookie, anything but a 200 or a 304. No other response ever carries the header.

The language cookie is the exception, as every first visit gets it: its value is the page's
language, which the address decides, and nginx keys its copies by the language cookie the reader
sends (deploy/nginx/declaration.conf), so each reader gets the cookie Django would have set for
them. nginx stores a response that sets a cookie only because of this (it refuses one that sets
the session, CSRF or messages cookie in any case).
"""

from django.conf import settings

SHARED_HEADER = "X-Accel-Expires"
# Seconds nginx may serve a shared response without asking gunicorn again.
PROXY_SECONDS = 1


def shared_with_everyone(response):
    """Mark `response` as the same for every anonymous reader: a proxy may store it."""
    response[SHARED_HEADER] = str(PROXY_SECONDS)
    return response


def same_for_everyone(request, response) -> bool:
    """Whether a response marked shared really is: what a proxy stores goes to other readers."""
    return (
        response.status_code in {200, 304}
        and set(response.cookies) <= {settings.LANGUAGE_COOKIE_NAME}
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and "private" not in response.get("Cache-Control", "")
        and "no-store" not in response.get("Cache-Control", "")
    )


class SharedResponsesMiddleware:
    """Take the proxy's opt-in away from every response that is not the same for everyone.

    Listed before SessionMiddleware and the other middleware that write cookies, so that it sees
    the response as they leave it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.has_header(SHARED_HEADER) and not same_for_everyone(request, response):
            del response[SHARED_HEADER]
        return response
