from django.conf import settings
from django.http import HttpResponseRedirect
from django.middleware.gzip import GZipMiddleware, re_accepts_gzip
from django.urls import translate_url
from django.utils.cache import patch_vary_headers
from django.utils.translation import (
    get_language,
    get_language_from_path,
    get_supported_language_variant,
)
from django.utils.translation.trans_real import parse_accept_lang_header

ONE_YEAR = 365 * 24 * 60 * 60


class FirstVisitLanguageMiddleware:
    """On a reader's first visit, send them from an English (unprefixed) page to the same page in
    the language their browser asks for; afterwards, remember the language they read in.

    English pages keep unprefixed addresses so that citations never change, so Django's
    LocaleMiddleware never redirects them. A reader who has seen a page in another language
    carries the language cookie and is never redirected again: the language switcher is plain
    links, and following the English one must stay in English. A reader whose browser was not
    sent elsewhere gets no cookie from an English page: their next visit lands on it again, and
    the page stays the same for every such reader, so a proxy may keep it (http_caching.py).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = self.browser_language(request)
        if language:
            translated = translate_url(request.get_full_path(), language)
            if translated != request.get_full_path():
                return HttpResponseRedirect(translated)
        response = self.get_response(request)
        self.remember_language(request, response)
        return response

    @staticmethod
    def browser_language(request) -> str | None:
        """The browser's preferred supported language, on a first visit to an English page."""
        if request.method not in {"GET", "HEAD"}:
            return None
        if settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
            return None
        if get_language_from_path(request.path_info):
            return None
        for accepted, _quality in parse_accept_lang_header(
            request.headers.get("Accept-Language", "")
        ):
            if accepted == "*":
                return None
            try:
                language = get_supported_language_variant(accepted)
            except LookupError:
                continue
            return None if language == settings.LANGUAGE_CODE else language
        return None

    @staticmethod
    def remember_language(request, response) -> None:
        is_page = response.status_code == 200 and response.get("Content-Type", "").startswith(
            "text/html"
        )
        language = get_language()
        remembered = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if remembered is None and not get_language_from_path(request.path_info):
            return  # a first visit to an English page, from a browser not sent elsewhere
        if is_page and remembered != language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=ONE_YEAR,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )


class TextGZipMiddleware(GZipMiddleware):
    """Compress pages and other text that Django renders as they leave gunicorn, as most of
    their bytes repeat (a page is 12 to 75 KB raw and 3 to 17 KB gzipped). Files streamed
    from storage (open data, PDFs, logos) pass as stored: gunicorn sends them with sendfile,
    with their length and byte ranges, and the open data files run to megabytes that
    compressing in Python would cost a worker's CPU for; a proxy may compress them.

    Responses to signed-in people are never compressed (BREACH): staff pages echo query
    parameters next to personal data, so the length of a compressed page would tell whoever
    can make a signed-in browser send guesses whether a guess matches that data; Django's
    random padding only slows that down. What everyone else reads holds nothing personal, and
    CSRF tokens are masked per response, so their pages, forms included, are compressed. The
    nginx configuration (deploy/nginx/declaration.conf) asks for uncompressed responses and
    compresses them itself, with brotli too."""

    COMPRESSED_TYPES = ("text/", "application/json", "image/svg+xml")

    def process_response(self, request, response):
        if (
            response.streaming
            or not response.get("Content-Type", "").startswith(self.COMPRESSED_TYPES)
            or self.signed_in(request)
        ):
            return response
        return super().process_response(request, response)

    @classmethod
    def describe_not_modified(cls, request, response, not_modified) -> None:
        """Give the 304 that stands for `response` the Vary and ETag this middleware would give
        `response` (RFC 9110, 15.4.5): the 304 is made before compression, and is too short
        to be compressed itself."""
        if (
            response.streaming
            or not response.get("Content-Type", "").startswith(cls.COMPRESSED_TYPES)
            or cls.signed_in(request)
            or len(response.content) < 200
            or response.has_header("Content-Encoding")
        ):
            return
        patch_vary_headers(not_modified, ("Accept-Encoding",))
        etag = not_modified.get("ETag", "")
        if etag.startswith('"') and re_accepts_gzip.search(
            request.META.get("HTTP_ACCEPT_ENCODING", "")
        ):
            not_modified["ETag"] = "W/" + etag

    @staticmethod
    def signed_in(request) -> bool:
        """Whether the request comes from someone signed in; the session of a reader without
        a session cookie is never read to find out."""
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return False
        user = getattr(request, "user", None)
        return user is not None and user.is_authenticated
