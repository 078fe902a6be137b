"""An endorser managing its endorsement from an emailed link."""

from django.http import Http404


def manage(request, token):
    raise Http404  # Built by the "self-service" part of issue 16.


def export(request, token):
    raise Http404  # Built by the "self-service" part of issue 16.


def changes_queue(request):
    raise Http404  # Built by the "self-service" part of issue 16.
