"""Each endorser's public page and its "We endorse" badge."""

from django.http import Http404


def endorser_page(request, public_id):
    raise Http404  # Built by the "endorser pages" part of issue 16.


def badge(request, public_id):
    raise Http404  # Built by the "endorser pages" part of issue 16.
