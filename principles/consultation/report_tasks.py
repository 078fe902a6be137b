"""Rendering the report's PDF in the background, and telling contributors of the version that
resulted from a consultation."""

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_noop
from django_tasks import task

from ..models import Consultation, Contribution, Version
from . import emails
from .report_pdf import report_languages, store_report


def queue_report(consultation: Consultation) -> None:
    """Once the current transaction commits, (re)render the PDF of a closed consultation's
    report in each of its languages. Call it when the consultation closes, when an amendment's
    outcome changes and when the resulting version is published; a PDF that already says what
    the report says is not rendered again."""
    if not consultation.is_closed:
        return
    for language in report_languages(consultation):
        transaction.on_commit(
            lambda language=language: render_consultation_report.enqueue(
                consultation_id=consultation.pk, language=language
            )
        )


@task()
def render_consultation_report(*, consultation_id: int, language: str) -> str:
    """Store the PDF of a consultation's report in `language` (`report_pdf.store_report`). A
    render that fails fails the task, which staff see under "Task results" in the admin."""
    stored = store_report(consultation_id=consultation_id, language=language)
    return f"stored {stored.file.name} ({stored.counted} contributions)"


def after_publication(*, version: Version) -> None:
    """A draft was published: its closed consultations' reports now link the version, and
    each of their contributors is told, once."""
    for consultation in Consultation.objects.filter(
        draft=version, status=Consultation.Status.CLOSED
    ):
        queue_report(consultation)
        tell_contributors(consultation)


def tell_contributors(consultation: Consultation) -> int:
    """Email every distinct address of an approved contribution (not withdrawn) to
    `consultation`, once, in the language of its latest contribution, with the links to the
    resulting version and to the report. Returns how many emails were queued."""
    told = Consultation.objects.filter(
        Q(pk=consultation.pk), Q(contributors_told_at__isnull=True)
    ).update(contributors_told_at=timezone.now())
    if not told:
        return 0
    version = consultation.draft
    latest = {}
    contributions = (
        Contribution.objects.filter(consultation=consultation)
        .public()
        .from_participants()
        .exclude(email="")
        .order_by("-created_at", "-pk")
        .values_list("email", "language")
    )
    for email, language in contributions:
        latest.setdefault(email.lower(), (email, language))
    for email, language in latest.values():
        with translation.override(language):
            version_url = reverse("principles:version", args=[version.number])
            report_url = reverse("consultation:report", args=[consultation.slug])
        emails.queue(
            to=email,
            language=language,
            subject=gettext_noop("The version you helped shape is published"),
            template="published",
            context={
                "consultation": consultation.title,
                "number": version.number,
                "version_url": emails.absolute(version_url),
                "report_url": emails.absolute(report_url),
            },
        )
    return len(latest)
