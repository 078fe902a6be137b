"""The public pages of consultations: the list, a consultation, an invited organisation's
personal link."""

from django.http import Http404


def consultation_list(request):
    # Placeholder until this page is written.
    raise Http404


def detail(request, slug):
    # Placeholder until this page is written.
    raise Http404


def invited(request, slug, token):
    # Placeholder until this page is written.
    raise Http404
