"""The signed PDF of a consultation's report, rendered by the task worker (never for a
reader's request) with WeasyPrint and signed as the declaration is, so that /verify/ says it
is genuine. One stored file per (consultation, language), replaced when what the report says
changes (`Report.digest`)."""

import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import get_language_info

from ..models import SOURCE_LANGUAGE, Consultation, ConsultationReport
from ..pdf.render import date_formats, page_counter_css, render_pdf
from ..pdf.signing import sign_pdf
from .report import Report, build_report

logger = logging.getLogger(__name__)


def report_languages(consultation: Consultation) -> list[str]:
    """The languages the report's PDF exists in: English and each language the consultation
    took contributions in, in the order of settings.LANGUAGES."""
    wanted = {SOURCE_LANGUAGE, *consultation.languages}
    return [code for code, _name in settings.LANGUAGES if code in wanted]


def report_html(report: Report, *, language: str) -> str:
    consultation = report.consultation
    return render_to_string(
        "principles/consultation/report_pdf.html",
        {
            "report": report,
            "consultation": consultation,
            "language": language,
            "is_rtl": get_language_info(language)["bidi"],
            "report_url": settings.SITE_URL
            + reverse("consultation:report", args=[consultation.slug]),
            "verify_page": format_html(
                '<span dir="ltr">{}{}</span>', settings.SITE_URL, reverse("principles:verify")
            ),
            "page_counter": page_counter_css(),
            **date_formats(language),
        },
    )


def store_report(*, consultation_id: int, language: str) -> ConsultationReport:
    """Make sure the stored PDF of the consultation's report in `language` says what the
    report says now: render, sign and store it unless it already does. The previous file is
    deleted once the new one is stored."""
    consultation = Consultation.objects.select_related("draft", "revision").get(pk=consultation_id)
    with translation.override(language):
        report = build_report(consultation)
        digest = report.digest
        stored = ConsultationReport.objects.filter(
            consultation=consultation, language=language
        ).first()
        if stored and stored.digest == digest and stored.file.storage.exists(stored.file.name):
            return stored
        pdf = render_pdf(report_html(report, language=language))
    content = sign_pdf(
        pdf,
        reason=(
            f"Report of consultation {consultation.slug} ({language}), "
            f"{report.total} contributions, digest {digest}"
        ),
    )
    return _save(consultation, language=language, digest=digest, report=report, content=content)


def _save(consultation, *, language, digest, report, content) -> ConsultationReport:
    with transaction.atomic():
        row, _created = ConsultationReport.objects.select_for_update().get_or_create(
            consultation=consultation,
            language=language,
            defaults={"digest": "", "counted": 0, "size": 0},
        )
        previous = row.file.name
        row.digest, row.counted, row.size = digest, report.total, len(content)
        row.file.save("report.pdf", ContentFile(content), save=False)
        row.save()
        storage = row.file.storage
        if previous and previous != row.file.name:
            transaction.on_commit(lambda: storage.delete(previous))
    logger.info("Stored %s (%s bytes) at %s", row, row.size, row.file.name)
    return row


def report_to_serve(consultation: Consultation, language: str) -> ConsultationReport | None:
    """The stored PDF for a reader of `language`: in that language if there is one, else in
    English; None while none is rendered yet."""
    stored = {row.language: row for row in consultation.reports.all()}
    return stored.get(language) or stored.get(SOURCE_LANGUAGE)
