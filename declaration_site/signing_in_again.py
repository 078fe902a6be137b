"""Nothing typed is lost when a session expires or a form's CSRF token went stale.

A staff member writes for a long time; meanwhile their session expires. Their browser still
holds the CSRF cookie (it outlives the session), so Save passes Django's CSRF check and reaches
the view as an anonymous request. `sign_in_keeping_typed_text` answers it, instead of a bare
redirect to the sign-in page, with a sign-in form that says so and carries the posted fields
(hidden, escaped by the template). Signing in there posts everything back to the same address:
the person is signed in and the view runs with the fields as first posted, its base revision
included, so the save goes through the same service and a save by someone else meanwhile is
shown as the usual conflict with both texts. A wrong password shows the form again with the
text; signing in as someone the view does not let in shows the text to copy and a refusal.

CSRF stays what it is. The sign-in form carries a token, and the fields reach the view again
only from a request that passed the check. When the check fails (the token was rotated by a
sign-in in another window, or the CSRF cookie is gone), `csrf_failure_context` offers the text
back with a fresh token only for a request that came from one of the site's own pages (its
Origin header, which another site cannot forge): a forged request from elsewhere is refused
as before and its fields are never echoed. The number and length of the fields kept are
bounded; passwords are never kept.
"""

from functools import wraps

from django.contrib.auth import login
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import QueryDict
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _

from declaration_site.accounts import SignInForm

# The sign-in form posted back to the view it interrupted carries this field.
SIGNING_IN_AGAIN = "_signing_in_again"
NEVER_KEPT = {"csrfmiddlewaretoken", "username", "password", SIGNING_IN_AGAIN}
# Far above any form of the site (a preamble holds 10,000 characters; a reorder form a few
# dozen boxes), and small enough that the page cannot serve to reflect a large payload.
MAX_FIELDS = 300
MAX_CHARACTERS = 60_000
# How the fields people type in are named on the kept copy; others are kept without a label.
LABELS = {
    "title": _("Title"),
    "preamble": _("Preamble"),
    "explanation": _("Explanation"),
    "text": _("Text"),
    "note": _("Change note (optional)"),
}


def typed_fields(data: QueryDict) -> list[tuple[str, str]] | None:
    """The posted fields worth keeping, as (name, value) pairs in the order posted; None when
    there is nothing to keep (a button that only confirms) or more than a form of ours sends."""
    pairs = [
        (name, value)
        for name, values in data.lists()
        if name not in NEVER_KEPT and "password" not in name
        for value in values
    ]
    size = sum(len(name) + len(value) for name, value in pairs)
    if not pairs or len(pairs) > MAX_FIELDS or size > MAX_CHARACTERS:
        return None
    return pairs


def readable_copy(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(label, text) of the fields a person typed in, to show them what is kept: numbers alone
    (a base revision, a position) are kept but not shown."""
    return [
        (LABELS.get(name, ""), value)
        for name, value in pairs
        if value.strip() and not value.isdigit()
    ]


def kept_context(pairs: list[tuple[str, str]]) -> dict:
    return {"kept_fields": pairs, "kept_copy": readable_copy(pairs)}


def sign_in_keeping_typed_text(allowed):
    """`login_required`, and PermissionDenied for a signed-in user whom `allowed(user)`
    refuses; but a form posted by someone whose session expired is answered with a sign-in
    form that keeps what they typed and, once they sign in, hands it to the view."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.user.is_authenticated:
                if not allowed(request.user):
                    raise PermissionDenied
                return view(request, *args, **kwargs)
            kept = typed_fields(request.POST) if request.method == "POST" else None
            if kept is None:
                return redirect_to_login(request.get_full_path())
            # The lockout page that django-axes renders instead shows the text too.
            request.kept_copy = readable_copy(kept)
            if SIGNING_IN_AGAIN not in request.POST:
                return sign_in_again_page(request, SignInForm(request), kept)
            # As Django's LoginView: no password in an error report.
            request.sensitive_post_parameters = ["password"]
            form = SignInForm(request, data=request.POST)
            if not form.is_valid():
                return sign_in_again_page(request, form, kept)
            login(request, form.get_user())
            if not allowed(request.user):
                context = kept_context(kept)
                return render(request, "registration/sign_in_refused.html", context, status=403)
            request.POST = as_query_dict(kept)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def sign_in_again_page(request, form, kept):
    context = {"form": form, "signing_in_again": SIGNING_IN_AGAIN, **kept_context(kept)}
    response = render(request, "registration/sign_in_again.html", context)
    # It holds what someone typed: no browser or proxy keeps a copy.
    add_never_cache_headers(response)
    return response


def as_query_dict(pairs: list[tuple[str, str]]) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, value in pairs:
        data.appendlist(name, value)
    data._mutable = False
    return data


def csrf_failure_context(request) -> dict:
    """What the CSRF failure page shows: the typed text with a fresh token to send it again,
    for a form posted from one of the site's own pages; nothing of it otherwise."""
    own_origin = f"{'https' if request.is_secure() else 'http'}://{request.get_host()}"
    if request.method != "POST" or request.headers.get("Origin") != own_origin:
        return {}
    kept = typed_fields(request.POST)
    return kept_context(kept) if kept else {}
