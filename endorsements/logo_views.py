"""Serving endorsers' logos from storage."""

from django.http import Http404


def logo(request, public_id, name):
    raise Http404  # Built by the "logos" part of issue 16.
