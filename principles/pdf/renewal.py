"""Keeping the stored signed PDFs verifiable for the long term: a daily task gives each stored
PDF whose last timestamp's authority certificate expires soon (`PDF_TIMESTAMP_RENEW_DAYS`) a
new document timestamp, appended as an incremental update, so that the signature and every
earlier timestamp still verify (PAdES-B-LTA, README "Long-term validation").

Each kind of stored PDF is one QuerySet in `stored_signed_pdfs()`: rows with a `file` and,
where the model has one, a `size`."""

import logging
import re
from collections.abc import Iterable, Iterator
from datetime import timedelta
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils.crypto import get_random_string
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


def add_timestamp_to_stored(row: models.Model) -> bool:
    """Append a document timestamp to the stored PDF of `row`; whether it got one.

    The timestamp authority takes its time, and meanwhile the row may have gone (a withdrawn
    endorsement's certificate, which names the organisation) or got another file (a renamed
    one's): the row is locked and the renewal kept only if it still points to the file that was
    read. The new file gets a name of its own, so that it never overwrites nor is overwritten;
    it is deleted if it is not kept, and the old one once the new one is committed."""
    old = row.file.name
    storage = row.file.storage
    with row.file.open("rb") as stored:
        pdf = add_document_timestamp(stored.read())
    path = PurePosixPath(old)
    new = None
    try:
        with transaction.atomic():
            current = type(row).objects.select_for_update().filter(pk=row.pk, file=old).first()
            if current is None:
                logger.info("Not renewing %s: it changed while it was timestamped", row)
                return False
            # The hash the name starts with, then a part of its own for each renewal.
            stem = re.split(r"[-_]", path.stem)[0]
            name = path.with_name(f"{stem}-{get_random_string(12)}.pdf")
            new = storage.save(str(name), ContentFile(pdf))
            current.file.name = new
            fields = ["file"]
            if hasattr(current, "size"):
                current.size, fields = len(pdf), [*fields, "size"]
            current.save(update_fields=fields)
            public_content_changed()  # the file that downloads get has a new name
            transaction.on_commit(lambda: storage.delete(old))
    except BaseException:
        if new is not None:
            storage.delete(new)
        raise
    logger.info("Added a document timestamp to %s: %s", current, new)
    return True


def renew_timestamps(*, within: timedelta) -> tuple[int, int]:
    """Add a document timestamp to every stored PDF that needs one; how many got one and how
    many could not (logged, tried again at the next run)."""
    renewed = failed = 0
    for rows in stored_signed_pdfs():
        for row in needing_new_timestamp(rows, within=within):
            try:
                if add_timestamp_to_stored(row):
                    renewed += 1
            except Exception:
                logger.exception("Could not add a document timestamp to %s", row)
                failed += 1
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
