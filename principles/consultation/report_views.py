"""What we heard: the report of a closed consultation as a page, CSV and signed PDF."""

from django.http import Http404


def report(request, slug):
    # Placeholder until this page is written.
    raise Http404


def report_csv(request, slug):
    # Placeholder until this page is written.
    raise Http404


def report_pdf(request, slug):
    # Placeholder until this page is written.
    raise Http404
