"""What every reader sees, kept in the configured cache (`CACHE_URL`) until it changes.

Each entry is stored with the generation number it was computed in. The services that change
what the public sees (publishing a version; approving, reconfirming or withdrawing an
endorsement; storing a new PDF) call `public_content_changed()`, which moves to the next
generation once their transaction commits, so every entry is stale from then on: nothing waits
for a timeout. A reader reads the generation before the database, so a page rendered while a
change commits is stored under the old generation and refreshed by the next reader.

Serving a cached page must cost little more than serving a fixed one, so each process keeps
the entries it served last and the generation it read last, and reads the generation from the
shared cache again after `GENERATION_CHECK_SECONDS`: the process that made a change sees it at
once, the others within that time. When the generation moves on, one process refreshes a stale
entry (it holds a lock in the cache) while the others keep serving the previous one, for at
most `STALE_SECONDS` (the lock's life, if that process never finishes): a stream of approvals
costs one recomputation of each page at a time, not one per reader.

Values go through `cached_value`, the site's one way to cache a value: public content by
generation as above, and a value that never changes once it exists (a published version, a
rendered certificate) for a fixed time, `cached_value(..., fixed_for=seconds)`; one that costs
much to compute (a share card's drawing) by one caller at a time, as stale pages are refreshed,
and never while the cache does not answer (`costly=True`).

With the default local-memory cache each process has its own cache, so the generation cannot
live there: it lives in the database instead (`PublicContentGeneration`, one row), moved on in
the transaction of the change itself, and each process reads it at most once a second as above.
A change made by any process (a server, the task worker publishing on schedule, a command)
then reaches the readers of every server within that second; what stays per process is only
the entries, which each process computes once per generation. Several servers still want a
shared cache, `CACHE_URL=redis://…` (the README's production layout), for the rate limits and
so that each page is computed once for all of them.

When that cache does not answer (django-redis logs the error and answers a miss, see
`cache_from_url` in settings), readers get pages rendered for them alone, and nothing is kept,
not even in the process. A change made meanwhile cannot move the generation on, and the cache
may come back with the entries of before (a network cut, a restart from a snapshot): so each
process that saw the cache fail, including one whose change it could not record, moves the
generation on by `OUTAGE_LEAP` once the cache answers again, and an entry that far behind is
never served.
"""

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from contextlib import contextmanager
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.db.models import F
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.utils.cache import patch_cache_control, patch_vary_headers, set_response_etag
from django.utils.translation import get_language
from prometheus_client import Counter

from .http_caching import shared_with_everyone
from .models import PublicContentGeneration

GENERATION_KEY = "public:generation"
# How long a process goes on using the generation it read before reading it again: the
# longest a change made by another process takes to reach this one's readers.
GENERATION_CHECK_SECONDS = 1
# How long readers may be served an entry of an earlier generation while another process
# refreshes it: with the above, the longest the count on / can lag behind an approval.
STALE_SECONDS = 5
# Entries are overwritten when refreshed; this only lets the cache drop pages nobody reads.
KEEP_SECONDS = 24 * 60 * 60
# How long a browser may keep a public page without asking again: not at all, so that a reader
# who follows a link back to a page sees the version published or the endorsers approved
# meanwhile. Asking again costs a 304 with the page's ETag (from nginx's copy, or from the
# cache here with no query). nginx keeps pages for a second by X-Accel-Expires, whatever this
# says (http_caching.py).
PAGE_MAX_AGE = 0
# How many entries each process keeps (pages are about 35 KB each).
RECENT_ENTRIES = 200
# How far the generation moves on once the cache answers again after it did not: an entry this
# many generations behind the current one was computed before changes the cache could not
# record, so it is never served, not even while another process refreshes it. Changes move the
# generation on by one, so no stream of them comes near.
OUTAGE_LEAP = 1_000_000

# A costly value (cached_value(..., costly=True)): how long one caller may take to compute it
# before another may try (the lock's life, should that caller never finish), how long the
# others wait for it, and how often they look.
COSTLY_LOCK_SECONDS = 30
COSTLY_WAIT_SECONDS = 2
COSTLY_POLL_SECONDS = 0.1

logger = logging.getLogger(__name__)

# For /metrics (README, "Metrics"): how each read of a cached page or value was answered. A
# counter per process; under gunicorn, PROMETHEUS_MULTIPROC_DIR adds up the workers'.
LOOKUPS = Counter(
    "declaration_public_cache_lookups",
    "Reads of the public cache by result: hit (current entry), stale (a recent entry served"
    " while another process refreshes it), miss (computed here) or unavailable (the cache did"
    " not answer; computed for this reader alone).",
    ["result"],
)
for _result in ("hit", "stale", "miss", "unavailable"):
    LOOKUPS.labels(_result)


class ValueNotReady(Exception):
    """A costly value is not cached and this caller may not compute it: another caller is
    computing it, or the cache does not answer (every caller would then compute it for
    itself). Ask again in `retry_after` seconds."""

    retry_after = 10


class ProcessCopies:
    """The generation this process read last, when, and the entries it served last; and
    whether the cache failed to answer since the generation last moved on."""

    def __init__(self):
        self.lock = threading.Lock()
        self.forget()

    def forget(self) -> None:
        with self.lock:
            self.generation, self.read_at = None, 0.0
            self.entries: OrderedDict[str, tuple[int, object]] = OrderedDict()
            self.cache_failed = False

    def note_generation(self, generation: int | None) -> None:
        """Keep the generation just read or moved on to; None when the cache did not answer,
        and then drop every entry: changes made meanwhile cannot make them stale."""
        with self.lock:
            self.generation, self.read_at = generation, time.monotonic()
            self.cache_failed = generation is None
            if generation is None:
                self.entries.clear()

    def remember(self, key: str, entry: tuple[int, object]) -> None:
        with self.lock:
            self.entries[key] = entry
            self.entries.move_to_end(key)
            if len(self.entries) > RECENT_ENTRIES:
                self.entries.popitem(last=False)


process_copies = ProcessCopies()


def generation() -> int | None:
    """The current generation, read from the shared cache (or from the database, when the
    cache is per process) at most once a second; None when the cache does not answer."""
    if time.monotonic() - process_copies.read_at < GENERATION_CHECK_SECONDS:
        return process_copies.generation
    if not cache_is_shared():
        value = _database_generation()
        process_copies.note_generation(value)
        return value
    value = cache.get(GENERATION_KEY)
    if value is None:
        value = _started_from_the_clock()
    if value is not None and process_copies.cache_failed:
        value = _moved_on()
    process_copies.note_generation(value)
    return value


def cache_answers() -> bool:
    """Whether this process could read the generation from the shared cache (at most a second
    ago); while it cannot, every reader gets a page rendered from the database."""
    return generation() is not None


def cache_is_shared() -> bool:
    """Whether every process reads the same cache (Redis). A local-memory cache is each
    process's own, so the generation then lives in the database."""
    return not isinstance(caches[DEFAULT_CACHE_ALIAS], LocMemCache)


def public_content_changed() -> None:
    """Once the current transaction commits, make every cached public page and value stale."""
    if cache_is_shared():
        transaction.on_commit(_next_generation)
        return
    # In the database, the generation moves on with the change itself: both commit, or neither.
    value = _database_generation_moved_on()
    transaction.on_commit(lambda: process_copies.note_generation(value))


def _next_generation() -> None:
    value = _moved_on()
    if value is None:
        logger.warning(
            "The cache did not answer: a change to the public content could not mark the cached"
            " pages stale. The server processes that saw the cache fail do so when it answers."
        )
    process_copies.note_generation(value)


def _moved_on() -> int | None:
    """The generation after the current one, by OUTAGE_LEAP if this process saw the cache
    fail; None when the cache does not answer."""
    try:
        return cache.incr(GENERATION_KEY, OUTAGE_LEAP if process_copies.cache_failed else 1)
    except ValueError:
        return _started_from_the_clock()


def _started_from_the_clock() -> int | None:
    # Start from the clock, not from 1, so that after the cache lost the key (eviction,
    # restart) no entry of an earlier generation can match again. In microseconds: django-redis
    # increments through a Lua script, whose numbers are exact only below 2**53.
    cache.add(GENERATION_KEY, time.time_ns() // 1000, timeout=None)
    return cache.get(GENERATION_KEY)


def _database_generation() -> int:
    value = PublicContentGeneration.objects.values_list("value", flat=True).first()
    return value if value is not None else _database_generation_started()


def _database_generation_moved_on() -> int:
    if PublicContentGeneration.objects.update(value=F("value") + 1):
        return PublicContentGeneration.objects.values_list("value", flat=True).first()
    return _database_generation_started()


def _database_generation_started() -> int:
    # From the clock, as in the cache, so that a row that was lost (a database emptied and
    # filled again) cannot bring back entries of an earlier generation.
    row, _created = PublicContentGeneration.objects.get_or_create(
        pk=1, defaults={"value": time.time_ns() // 1000}
    )
    return row.value


def _fresh_or_refreshed(key: str, refresh: Callable[[int | None], object]):
    """The value stored under `key` if it is of the current generation, or of a recent one
    while another process refreshes it; else `refresh(generation)`, which computes the value,
    stores it with `_store` (which stores nothing when the generation is None: the cache does
    not answer) and returns it."""
    current = generation()
    if current is None:
        LOOKUPS.labels("unavailable").inc()
        return refresh(None)
    stored_generation, value = process_copies.entries.get(key) or (None, None)
    if stored_generation != current:
        stored_generation, value = cache.get(key) or (stored_generation, value)
    if stored_generation == current:
        LOOKUPS.labels("hit").inc()
        process_copies.remember(key, (current, value))
        return value
    with _computing(key, STALE_SECONDS) as refreshing_here:
        recent = stored_generation is not None and 0 < current - stored_generation < OUTAGE_LEAP
        if recent and not refreshing_here:
            LOOKUPS.labels("stale").inc()
            return value
        LOOKUPS.labels("miss").inc()
        return refresh(current)


@contextmanager
def _computing(key: str, seconds: int):
    """Whether this caller holds the lock (in the shared cache, for at most `seconds`) that
    lets one caller at a time compute the value under `key`; let go when the block ends. Not
    held when the cache does not answer."""
    lock = f"{key}:refreshing"
    taken = cache.add(lock, True, seconds)
    try:
        yield taken
    finally:
        if taken:
            cache.delete(lock)


def _store(key: str, entry: tuple[int | None, object]) -> None:
    if entry[0] is None:  # the cache does not answer: the value was for one reader alone
        return
    cache.set(key, entry, KEEP_SECONDS)
    process_copies.remember(key, entry)


def cached_value(
    name: str, compute: Callable[[], object], *, fixed_for: int | None = None, costly: bool = False
):
    """`compute()`, kept in the shared cache under `name`: the one way the site caches a value.

    By default the value is public content, kept until the public content next changes (see
    above); every caller in the process gets the same object: never change it.

    With `fixed_for` (seconds), the value is one that never changes once it exists (a
    published version, a rendered certificate), and `name` says all that determines it: it is
    kept that long whatever else changes, each caller gets its own copy, and None is not kept
    (what does not exist yet may come to).

    Either way, while the cache does not answer, every caller computes the value itself.

    A `costly` fixed value (a drawn image) is computed by one caller at a time, and never while
    the cache does not answer: the others wait up to COSTLY_WAIT_SECONDS for it and then get
    ValueNotReady, which a view answers with 503 and Retry-After.
    """
    if fixed_for is not None:
        return _fixed_value(f"fixed:value:{name}", compute, fixed_for, costly=costly)
    key = f"public:value:{name}"

    def refresh(current: int | None):
        value = compute()
        _store(key, (current, value))
        return value

    return _fresh_or_refreshed(key, refresh)


def _fixed_value(key: str, compute: Callable[[], object], seconds: int, *, costly: bool):
    if generation() is None:  # the cache does not answer: do not wait for it again
        LOOKUPS.labels("unavailable").inc()
        if costly:
            raise ValueNotReady(f"The cache does not answer: {key} is not computed.")
        return compute()
    value = cache.get(key)
    LOOKUPS.labels("hit" if value is not None else "miss").inc()
    if value is None:
        value = (_computed_by_one if costly else _computed)(key, compute, seconds)
    return value


def _computed(key: str, compute: Callable[[], object], seconds: int):
    value = compute()
    if value is not None:
        cache.set(key, value, seconds)
    return value


def _computed_by_one(key: str, compute: Callable[[], object], seconds: int):
    """The value computed here if no other caller is computing it, else theirs once it is
    stored, waiting for it a little. A caller that cannot take the lock never computes, so
    neither does one whose cache just stopped answering."""
    deadline = time.monotonic() + COSTLY_WAIT_SECONDS
    while True:
        with _computing(key, COSTLY_LOCK_SECONDS) as computing_here:
            if computing_here:
                # Another caller may have stored it between our miss and the lock.
                value = cache.get(key)
                return _computed(key, compute, seconds) if value is None else value
        if time.monotonic() >= deadline:
            raise ValueNotReady(f"Another caller is computing {key}.")
        time.sleep(COSTLY_POLL_SECONDS)
        if (value := cache.get(key)) is not None:
            return value


class QueryParameters:
    """The query parameters a cached page understands, each with its valid values.

    `key_of(query)` is the part of the cache key that the query makes: its known, non-empty
    parameters in a fixed order, so that `?country=FR&page=2` and `?page=2&country=FR&region=`
    share one entry; None when the page must be rendered for this request alone (a parameter
    given twice or with a value that is not valid, or one named in `uncached`, such as free
    text, which would make a new entry for every string anyone types). `storable(query)` says
    whether a page rendered for `query` may be stored: not when it carries parameters the page
    ignores, which would then appear in its links to other languages.
    """

    def __init__(
        self, valid: dict[str, Callable[[str], bool]] | None = None, *, uncached=(), defaults=None
    ):
        self.valid = valid or {}
        self.uncached = set(uncached)
        self.defaults = defaults or {}

    def key_of(self, query) -> str | None:
        pairs = []
        for name in sorted({*self.valid, *self.uncached}):
            values = query.getlist(name)
            if len(values) > 1 or (values and values[0] and name in self.uncached):
                return None
            if not values or values[0] in ("", self.defaults.get(name)):
                continue
            if not self.valid[name](values[0]):
                return None
            pairs.append((name, values[0]))
        return urlencode(pairs)

    def storable(self, query) -> bool:
        return query.keys() <= {*self.valid, *self.uncached}


NO_PARAMETERS = QueryParameters()


def cache_public_page(
    view=None, *, parameters: QueryParameters = NO_PARAMETERS, max_age: int = PAGE_MAX_AGE
):
    """Serve the page from the cache to anonymous readers, per address, host, language and
    known query parameters (see QueryParameters).

    Not cached: readers with a session or pending messages (the header shows signed-in people
    their own links), pages that put a CSRF token in a form, set a cookie or say `no-store`.
    Cookies that middleware adds (the language cookie) are added to each response afterwards,
    so a cached page never carries another reader's cookies.

    What it serves from the cache, or would store there, is marked for the proxy in front too,
    `Cache-Control: public` for `max_age` seconds, with an ETag made when the page is rendered
    and stored with it (`http_caching`): a reader who holds the page gets a 304 from the cache.
    """
    if view is None:
        return lambda view: cache_public_page(view, parameters=parameters, max_age=max_age)

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        query = parameters.key_of(request.GET)
        if query is None or not _cacheable_request(request):
            return view(request, *args, **kwargs)
        key = (
            f"public:page:{release()}:{request.scheme}://{request.get_host()}{request.path}"
            f"?{query}:{get_language()}"
        )

        def refresh(current: int | None):
            response = view(request, *args, **kwargs)
            if not _cacheable_response(request, response):
                return response
            _describe_for_caches(response, max_age)
            if parameters.storable(request.GET):
                _store(key, (current, (response.content, dict(response.headers))))
            return shared_with_everyone(response)

        served = _fresh_or_refreshed(key, refresh)
        if isinstance(served, HttpResponseBase):
            return served
        content, headers = served
        return shared_with_everyone(HttpResponse(content, headers=headers))

    return wrapped


def _describe_for_caches(response, max_age: int) -> None:
    """What a cache outside needs to know of a shared page, stored with it so that a reader
    served from the cache costs nothing more: how long it may be kept, its ETag, and that
    it is the same for every reader without a session cookie (one with it gets their own)."""
    patch_cache_control(response, public=True, max_age=max_age)
    patch_vary_headers(response, ["Cookie"])
    if not response.has_header("ETag"):
        set_response_etag(response)


def release() -> str:
    """The deployed static files: a page names its stylesheet by a hashed name, so a page
    cached by one release must not be served by the next (or by an older server still running
    during a rolling deploy). The hash of collectstatic's manifest, the same on every server
    that runs the same files; empty without a manifest (development)."""
    return getattr(staticfiles_storage, "manifest_hash", "")


def _cacheable_request(request) -> bool:
    return (
        request.method in {"GET", "HEAD"}
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def _cacheable_response(request, response) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and "no-store" not in response.get("Cache-Control", "")
    )
