"""What we heard: the report of a closed consultation as a page, CSV and signed PDF. Before
the consultation closes, the page says when the report will be there; the CSV and PDF do not
exist yet. The PDF is rendered by the task worker; these views only serve the stored file."""

import csv
import logging

from django.core.cache import cache
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language

from declaration_site.spreadsheets import neutralise

from ..models import Consultation
from .report import (
    build_report,
    clause_labels,
    counted_contributions,
    public_organisation,
    region_of,
)
from .report_pdf import report_to_serve
from .report_tasks import queue_report

logger = logging.getLogger(__name__)


def _consultation(slug: str) -> Consultation:
    return get_object_or_404(Consultation.objects.select_related("draft", "revision"), slug=slug)


def _closed(slug: str) -> Consultation:
    consultation = _consultation(slug)
    if not consultation.is_closed:
        raise Http404("The consultation has not closed yet.")
    return consultation


def report(request, slug):
    consultation = _consultation(slug)
    if not consultation.is_closed:
        return render(
            request, "principles/consultation/report_pending.html", {"consultation": consultation}
        )
    context = {
        "consultation": consultation,
        "report": build_report(consultation),
        "pdf": report_to_serve(consultation, get_language()),
        "resulting_version": consultation.resulting_version,
    }
    return render(request, "principles/consultation/report.html", context)


CSV_FIELDS = [
    "id",
    "sent_at",
    "kind",
    "clause_key",
    "clause",
    "in_reply_to",
    "language",
    "organisation",
    "organisation_type",
    "country",
    "region",
    "status",
    "comment_or_reason",
    "proposed_text",
    "outcome",
    "outcome_reason",
]


class Echo:
    def write(self, value):
        return value


def report_csv(request, slug):
    """Every contribution the report counts, one a row, without contact details; a withdrawn
    one keeps its row without its text."""
    consultation = _closed(slug)
    writer = csv.writer(Echo())
    lines = (
        writer.writerow([neutralise(row[name]) for name in CSV_FIELDS])
        for row in csv_rows(consultation)
    )
    response = StreamingHttpResponse(
        (line for chunk in ([writer.writerow(CSV_FIELDS)], lines) for line in chunk),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{consultation.slug}-report.csv"'
    return response


def csv_rows(consultation: Consultation):
    labels = clause_labels(consultation.text)
    contributions = (
        counted_contributions(consultation)
        .select_related("invitation")
        .order_by("created_at", "pk")
    )
    for contribution in contributions.iterator(chunk_size=2000):
        amendment = contribution.is_amendment
        yield {
            "id": contribution.pk,
            "sent_at": contribution.created_at.isoformat(),
            "kind": contribution.kind,
            "clause_key": contribution.item_key,
            "clause": labels.get(contribution.item_key, ""),
            "in_reply_to": contribution.parent_id or "",
            "language": contribution.language,
            "organisation": public_organisation(contribution),
            "organisation_type": contribution.organisation_type,
            "country": contribution.country.code or "",
            "region": region_of(contribution.country.code or ""),
            "status": contribution.status,
            "comment_or_reason": contribution.body,
            "proposed_text": contribution.proposed_text,
            "outcome": contribution.outcome if amendment else "",
            "outcome_reason": contribution.outcome_reason if amendment else "",
        }


def report_pdf(request, slug):
    consultation = _closed(slug)
    stored = report_to_serve(consultation, get_language())
    try:
        file = stored.file.open("rb") if stored else None
    except FileNotFoundError:
        # Storage lost the file (a restore without its media): say it is being prepared and
        # render it again in the worker (`store_report` renders when the file is missing).
        logger.error("The stored report PDF %s is missing", stored.file.name)
        # Once in five minutes, however many readers ask meanwhile.
        if cache.add(f"report-pdf-lost:{consultation.pk}", True, 300):
            queue_report(consultation)
        file = None
    if file is None:
        response = render(
            request,
            "principles/consultation/report_pdf_pending.html",
            {"consultation": consultation},
            status=503,
        )
        response["Retry-After"] = "120"
        return response
    response = FileResponse(
        file,
        content_type="application/pdf",
        filename=f"{consultation.slug}-report-{stored.language}.pdf",
    )
    response["Content-Language"] = stored.language
    # Short: the PDF is rendered anew when an amendment is decided or the version published.
    response["Cache-Control"] = "public, max-age=300"
    return response
