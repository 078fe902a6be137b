"""Moderators' tools against fraud, and the confirmation email's "this wasn't us" link."""

from django.http import Http404


def cancel(request, token):
    raise Http404  # Built by the "fraud tools" part of issue 16.


def activity(request):
    raise Http404  # Built by the "fraud tools" part of issue 16.


def bulk(request):
    raise Http404  # Built by the "fraud tools" part of issue 16.


def undo(request, pk):
    raise Http404  # Built by the "fraud tools" part of issue 16.
