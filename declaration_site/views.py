import sys

from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.defaults import server_error as default_server_error

from principles.drafting.roles import DRAFTING_PERMISSIONS

from . import partner_lockup as lockups
from .public_cache import cache_answers
from .signing_in_again import csrf_failure_context

# The lockup draws its own shapes: no script, no fetch; a styled SVG keeps its inline style.
LOCKUP_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox"
ONE_YEAR = 365 * 24 * 60 * 60
# How long a reader is asked to wait when the database cannot be reached: a restart or a
# fail-over takes seconds, and each server reconnects by itself (CONN_HEALTH_CHECKS).
DATABASE_RETRY_AFTER_SECONDS = 30


@never_cache
def healthz(request):
    """200 when the database answers a query, 503 with the reason when it does not. A second
    line says whether the shared cache answers; without it the site still works, so it is no
    reason for a load balancer to take this server out (the same cache serves them all)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        return HttpResponse(
            f"database unavailable: {type(error).__name__}",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    cache = "ok" if cache_answers() else "unavailable, pages are rendered from the database"
    return HttpResponse(f"ok\ncache: {cache}", content_type="text/plain; charset=utf-8")


def server_error(request):
    """The 500 page; but when the database cannot be reached (refused, restarting, the
    connection cut), a 503 page that says the site is back in a moment, with Retry-After, so
    that people, browsers and load balancers try again. Rendered without the request's context,
    as Django's own 500 page is, so that showing it needs no database."""
    error = sys.exc_info()[1]
    if not isinstance(error, OperationalError | InterfaceError):
        return default_server_error(request)
    page = loader.get_template("503.html").render()
    response = HttpResponse(page, status=503)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    return response


@login_required
def landing(request):
    """Where signing in leads when no page asked for it (`?next=` wins): the first workspace
    the person's roles open, or a page saying they have none yet."""
    user = request.user
    if user.has_perm("endorsements.moderate_endorsement"):
        return redirect("endorsements:moderation")
    if user.has_perm("principles.moderate_contribution"):
        return redirect("consultation:moderation")
    if any(user.has_perm(permission) for permission in DRAFTING_PERMISSIONS):
        return redirect("drafting:my-tasks")
    if user.has_perm("principles.view_audit_log"):
        return redirect("audit")
    if user.is_staff:
        return redirect("admin:index")
    return render(request, "registration/no_role.html")


def csrf_failure(request, reason=""):
    """The 403 page of a form refused by the CSRF check, in the reader's language: for a form
    sent from one of the site's own pages (its token gone stale), it keeps the typed text and
    offers to send it again with a fresh token (`signing_in_again`)."""
    response = render(request, "403_csrf.html", csrf_failure_context(request), status=403)
    add_never_cache_headers(response)
    return response


@require_safe
def partner_lockup(request, content_hash: str, extension: str):
    """The configured partner lockup as it was rebuilt (partner_lockup.py), at an address that
    changes with its content: browsers keep it for good. A page cached before the lockup was
    replaced still names the old address, which leads to the new one."""
    lockup = lockups.shown()
    if lockup is None:
        raise Http404
    if (content_hash, extension) != (lockup.content_hash, lockup.extension):
        return redirect("partner-lockup", lockup.content_hash, lockup.extension)
    response = HttpResponse(lockup.content, content_type=lockup.content_type)
    response["Content-Security-Policy"] = LOCKUP_CSP
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    return response
