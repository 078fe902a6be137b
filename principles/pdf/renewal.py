"""Keeping the stored signed PDFs verifiable for the long term: a daily task gives each stored
PDF whose last timestamp's authority certificate expires soon (`PDF_TIMESTAMP_RENEW_DAYS`) a
new document timestamp, appended as an incremental update, so that the signature and every
earlier timestamp still verify (PAdES-B-LTA, README "Long-term validation").

Each kind of stored PDF is one QuerySet in `stored_signed_pdfs()`: rows with a `file` and,
where the model has one, a `size`."""

import logging
from collections.abc import Iterable, Iterator
from datetime import timedelta
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import models, transaction
from django_tasks import task

from declaration_site import periodic
from declaration_site.public_cache import public_content_changed
from endorsements.models import CertificatePdf

from ..models import DeclarationPdf
from .signing import add_document_timestamp, needs_new_timestamp

logger = logging.getLogger(__name__)


def stored_signed_pdfs() -> list[models.QuerySet]:
    """Every kind of signed PDF the site keeps for readers, one QuerySet each: the declaration
    in each language and version, and each approved endorsement's certificate."""
    return [DeclarationPdf.objects.order_by("pk"), CertificatePdf.objects.order_by("pk")]


def needing_new_timestamp(rows: Iterable[models.Model], *, within: timedelta) -> Iterator:
    """The rows whose stored PDF should get a document timestamp now (`needs_new_timestamp`);
    the files are read one at a time."""
    for row in rows.iterator() if isinstance(rows, models.QuerySet) else rows:
        with row.file.open("rb") as stored:
            data = stored.read()
        if needs_new_timestamp(data, within=within):
            yield row


def add_timestamp_to_stored(row: models.Model) -> None:
    """Append a document timestamp to the stored PDF of `row`: the new file is stored next to
    the old one and takes its place, and the old file is deleted once that is committed
    (downloads that already opened it finish reading it)."""
    with row.file.open("rb") as stored:
        pdf = add_document_timestamp(stored.read())
    old = row.file.name
    row.file.save(PurePosixPath(old).name, ContentFile(pdf), save=False)
    fields = ["file"]
    if hasattr(row, "size"):
        row.size, fields = len(pdf), [*fields, "size"]
    storage = row.file.storage
    with transaction.atomic():
        row.save(update_fields=fields)
        public_content_changed()  # the file that downloads get has a new name
        transaction.on_commit(lambda: storage.delete(old))
    logger.info("Added a document timestamp to %s: %s", row, row.file.name)


def renew_timestamps(*, within: timedelta) -> tuple[int, int]:
    """Add a document timestamp to every stored PDF that needs one; how many got one and how
    many could not (logged, tried again at the next run)."""
    renewed = failed = 0
    for rows in stored_signed_pdfs():
        for row in needing_new_timestamp(rows, within=within):
            try:
                add_timestamp_to_stored(row)
            except Exception:
                logger.exception("Could not add a document timestamp to %s", row)
                failed += 1
            else:
                renewed += 1
    return renewed, failed


@task()
def renew_pdf_timestamps() -> str:
    """Every day: a new document timestamp on each stored PDF whose last timestamp's authority
    certificate expires within PDF_TIMESTAMP_RENEW_DAYS."""
    periodic.ensure_queued(renew_pdf_timestamps, after=periodic.DAILY)
    if not settings.PDF_TIMESTAMP_URL:
        return "skipped: no timestamp authority (PDF_TIMESTAMP_URL)"
    renewed, failed = renew_timestamps(within=timedelta(days=settings.PDF_TIMESTAMP_RENEW_DAYS))
    return f"added a document timestamp to {renewed} PDF(s), {failed} failed"


def queue_periodic_jobs(**kwargs) -> None:
    """After `migrate`: start the daily renewal where no run is waiting."""
    periodic.ensure_queued(renew_pdf_timestamps)
