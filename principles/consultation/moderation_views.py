"""Moderators' pages for what participants send: the queue and one contribution."""

from django.http import Http404


def moderation_queue(request):
    # Placeholder until this page is written.
    raise Http404


def moderate(request, pk):
    # Placeholder until this page is written.
    raise Http404
