"""Editors' pages: every contribution beside its clause, decisions on amendments, replies."""

from django.http import Http404


def contributions(request, version_id):
    # Placeholder until this page is written.
    raise Http404


def decide(request, pk):
    # Placeholder until this page is written.
    raise Http404


def reply(request, pk):
    # Placeholder until this page is written.
    raise Http404
