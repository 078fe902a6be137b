"""Taking part: the form for a comment or an amendment, confirming it by email, withdrawing it."""

from django.http import Http404


def contribute(request, slug):
    # Placeholder until this page is written.
    raise Http404


def confirm(request, token):
    # Placeholder until this page is written.
    raise Http404


def withdraw(request, token):
    # Placeholder until this page is written.
    raise Http404
