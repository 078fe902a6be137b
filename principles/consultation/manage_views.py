"""Publishers' pages: opening a draft for consultation, its dates, its invitations."""

from django.http import Http404


def manage_list(request):
    # Placeholder until this page is written.
    raise Http404


def open_consultation(request, version_id):
    # Placeholder until this page is written.
    raise Http404


def manage(request, slug):
    # Placeholder until this page is written.
    raise Http404


def invite(request, slug):
    # Placeholder until this page is written.
    raise Http404
