"""Background work on the declaration, run by the task worker (`manage.py db_worker`)."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django_tasks import TaskContext, TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from endorsements.certificate import certificate_of, discard_certificates, stated_hash
from endorsements.models import CertificatePdf, Endorsement
from endorsements.tasks import (
    ask_endorsers_to_reconfirm,
    refresh_certificate,
    refresh_certificates_in,
)

from ..models import Version
from .render import (
    PdfRenderError,
    replace_declaration_pdf,
    save_rendered_pdf,
    stored_pdf_of,
)
from .signatories import signatories_of

logger = logging.getLogger(__name__)

# How long a refresh waits before it looks again when another worker is rendering its PDF.
BUSY_RETRY_SECONDS = 5
# A render is stopped after PDF_RENDER_TIMEOUT_SECONDS, and reading the signatories, signing
# and storing take seconds: a task still marked running after that belongs to a worker that died.
RUNNING_GRACE_SECONDS = 60
# A render that fails (too slow, too much memory) is tried this many times in all, each after
# waiting RENDER_RETRY_SECONDS times the number of attempts so far; then it is reported.
RENDER_ATTEMPTS = 3
RENDER_RETRY_SECONDS = 60


def after_publication(*, version: Version) -> None:
    """Once the publication of `version` commits, render its PDF in each language in the
    background, so that no reader waits for it, and ask the approved endorsers of earlier
    versions to reconfirm for it: both concern its signatories, which this package alone reads.
    A worker fans the emails out, so publishing stays quick however many organisations endorsed.
    An editorial correction asks nobody: its endorsers are those of the version it corrects
    (`Version.counts_endorsers_from`)."""
    if not version.is_correction:
        transaction.on_commit(lambda: ask_endorsers_to_reconfirm.enqueue(version_id=version.pk))
    transaction.on_commit(lambda: queue_pdf_refreshes(version=version))


def after_translation_change(*, version_id: int, language: str, rerender: bool) -> None:
    """Once the commit of a translation's publication (or revision) is done, render the PDF of
    the version in its language (anew when `rerender`, since a PDF in that language may be
    stored already), and the certificates in that language of the endorsers of that version:
    they state its title in their language."""

    def enqueue():
        task = rerender_declaration_pdf if rerender else refresh_declaration_pdf
        task.enqueue(version_id=version_id, language=language)
        refresh_certificates_in.enqueue(version_id=version_id, language=language)

    transaction.on_commit(enqueue)


def reconfirmation_requests(*, declaration) -> dict[str, int]:
    """How many reconfirmation emails publishing a new version (not a correction) of
    `declaration` would send, by the language each is written in: one to every approved
    endorser, since each endorses an earlier version (`ask_endorsers_to_reconfirm`). For the
    publication's confirmation page, which this package alone can tell."""
    rows = (
        Endorsement.objects.public()
        .filter(version__declaration=declaration)
        .order_by()
        .values("language")
        .annotate(count=Count("pk"))
    )
    by_language: dict[str, int] = {}
    for row in rows:
        # As `send_endorsement_email` does: older endorsements have no language stored.
        language = row["language"] or settings.LANGUAGE_CODE
        by_language[language] = by_language.get(language, 0) + row["count"]
    return by_language


def queue_pdf_refreshes(*, version: Version) -> None:
    """Queue one `refresh_declaration_pdf` for each language the version's PDF exists in, so
    that workers render the languages side by side and each stores its PDF as soon as it is
    rendered."""
    for language in version.pdf_languages():
        refresh_declaration_pdf.enqueue(version_id=version.pk, language=language)


@task(takes_context=True)
def refresh_declaration_pdf(
    context: TaskContext, *, version_id: int, language: str, attempt: int = 1
) -> str:
    """Make sure the PDF of a version in one language with its signatories as they are now is
    stored; downloads keep getting the previous PDF until it is.

    Approvals can come faster than renders finish, and each queues a refresh per language, so
    a refresh first asks the queue whether another refresh of the same PDF makes it useless:

    - one is waiting in the queue: it will start later, so its snapshot of the signatories
      will hold every change this one was queued for; this one does nothing;
    - one started before this one and is still running: this one is queued again, to look
      once more in BUSY_RETRY_SECONDS, so that two workers never render the same PDF at once
      and the other languages (and the emails) get the free workers.
    """
    waiting, ahead = _other_refreshes(context, version_id=version_id, language=language)
    if waiting:
        return f"skipped: a refresh of the {language} PDF queued after this one will render it"
    if ahead:
        run_after = timezone.now() + timedelta(seconds=BUSY_RETRY_SECONDS)
        refresh_declaration_pdf.using(run_after=run_after).enqueue(
            version_id=version_id, language=language
        )
        return f"deferred: another worker is rendering the {language} PDF"
    version = Version.objects.published().select_related("declaration").get(pk=version_id)
    snapshot = signatories_of(version)
    if stored := stored_pdf_of(version=version, snapshot=snapshot, language=language):
        return f"up to date: {stored.file.name} ({stored.signatory_count} signatories)"
    try:
        pdf = save_rendered_pdf(version=version, snapshot=snapshot, language=language)
    except PdfRenderError as error:
        if attempt >= RENDER_ATTEMPTS:
            logger.error("Gave up rendering the %s PDF of %s: %s", language, version, error)
            raise
        logger.warning("Rendering the %s PDF of %s failed: %s", language, version, error)
        retry_failed_render(version=version, language=language, attempt=attempt + 1)
        return f"failed, to be tried again: {error}"
    return f"rendered: {pdf.file.name} ({pdf.signatory_count} signatories)"


def retry_failed_render(*, version: Version, language: str, attempt: int = 2) -> None:
    """Queue another try at rendering the PDF of `version` in `language`, after a pause that
    grows with each attempt. A task backend that cannot wait (the immediate one, in
    development) gets nothing queued: the next reader after the pause tries again."""
    task = refresh_declaration_pdf
    if not task.get_backend().supports_defer:
        return
    run_after = timezone.now() + timedelta(seconds=RENDER_RETRY_SECONDS * (attempt - 1))
    task.using(run_after=run_after).enqueue(
        version_id=version.pk, language=language, attempt=attempt
    )


def _other_refreshes(context: TaskContext, *, version_id: int, language: str) -> tuple[bool, bool]:
    """Whether another refresh of this PDF is waiting in the database queue, and whether one
    that started before this one is running. Other task backends keep no queue to ask: with
    them, every refresh goes ahead."""
    same_pdf = DBTaskResult.objects.filter(
        task_path=refresh_declaration_pdf.module_path,
        args_kwargs__kwargs__version_id=version_id,
        args_kwargs__kwargs__language=language,
    )
    if same_pdf.filter(status=TaskResultStatus.READY).exists():
        return True, False
    alive_since = timezone.now() - timedelta(
        seconds=settings.PDF_RENDER_TIMEOUT_SECONDS + RUNNING_GRACE_SECONDS
    )
    # This task is one of the running ones; the first to start goes ahead (ties by id).
    first = (
        same_pdf.filter(status=TaskResultStatus.RUNNING, started_at__gte=alive_since)
        .order_by("started_at", "id")
        .values_list("id", flat=True)
        .first()
    )
    return False, first is not None and str(first) != context.task_result.id


@task()
def rerender_declaration_pdf(*, version_id: int, language: str) -> str:
    """Render the PDF of a version in one language anew, because its text in that language
    changed: a translation was published or revised."""
    pdf = replace_declaration_pdf(version_id=version_id, language=language)
    return f"stored {pdf.file.name} ({pdf.signatory_count} signatories)"


def queue_stale_certificates() -> tuple[int, int]:
    """Queue for the task worker the certificate of every approved endorsement whose stored
    certificate is missing or states something else (a new signing key, a new SITE_URL), and
    delete the certificates of endorsements that are no longer public (`render_pdfs`). How many
    were queued, and how many were up to date."""
    discard_certificates(
        endorsement_ids=list(
            CertificatePdf.objects.exclude(
                endorsement__status=Endorsement.Status.APPROVED
            ).values_list("endorsement_id", flat=True)
        )
    )
    stored = dict(CertificatePdf.objects.values_list("endorsement_id", "stated_hash"))
    queued = up_to_date = 0
    public = Endorsement.objects.public().select_related("version", "reconfirmed_version")
    for endorsement in public.iterator(chunk_size=500):
        if stored.get(endorsement.pk) == stated_hash(certificate_of(endorsement)):
            up_to_date += 1
            continue
        refresh_certificate.enqueue(endorsement_id=endorsement.pk)
        queued += 1
    return queued, up_to_date
