"""Emailed links: resolving a link's signed token to its endorsement, for every view that
serves one (in this module, not a view module, so that view modules never import each other)."""

from functools import wraps

from django.core import signing
from django.shortcuts import render

from .models import Endorsement


def signed_link(purpose: str):
    """Resolve the token in an emailed link to its endorsement, or explain why it does not
    work: forged or mangled (400), or expired (410)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, token):
            try:
                payload = Endorsement.read_link_token(token, purpose)
            except signing.SignatureExpired:
                return link_problem(request, purpose, expired=True)
            except signing.BadSignature:
                return link_problem(request, purpose, expired=False)
            endorsement = Endorsement.objects.filter(pk=payload["e"]).first()
            if endorsement is None:
                return link_problem(request, purpose, expired=True)
            return view(request, endorsement, payload)

        return wrapper

    return decorator


def link_problem(request, purpose: str, *, expired: bool):
    return render(
        request,
        "endorsements/link_problem.html",
        {"purpose": purpose, "expired": expired},
        status=410 if expired else 400,
    )
