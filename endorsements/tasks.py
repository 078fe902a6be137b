"""Background work for endorsements, run by the task worker (`manage.py db_worker`)."""

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django_tasks import TaskContext, TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from declaration_site import periodic
from principles.models import Version
from principles.pdf.render import PdfRenderError

from . import emails, open_data
from .certificate import store_certificate
from .logos import delete_files_when_committed, purge_rejected_logo_files
from .models import Endorsement, Logo
from .statistics import hourly

logger = logging.getLogger(__name__)

# A send that fails is tried again later, waiting five times longer each time: by default
# 1, 5, 25 and 125 minutes (ENDORSEMENT_EMAIL_FIRST_RETRY_SECONDS).
MAX_ATTEMPTS = 5


@task()
def send_endorsement_email(
    *, kind: str, endorsement_id: int, version_id: int | None = None, attempt: int = 1
) -> str:
    """Send one of the emails in `emails.SENDERS`. A mail server that fails makes this task
    fail (staff see it, with its traceback, under "Task results" in the admin) after queueing
    the next attempt."""
    endorsement = Endorsement.objects.filter(pk=endorsement_id).first()
    if endorsement is None:
        return "skipped: the endorsement no longer exists"
    try:
        # In the language the endorser read the form in; older endorsements have none stored.
        with translation.override(endorsement.language or settings.LANGUAGE_CODE):
            emails.SENDERS[kind](endorsement, version_id=version_id)
    except (OSError, smtplib.SMTPException):
        if attempt < MAX_ATTEMPTS:
            first_delay = timedelta(seconds=settings.ENDORSEMENT_EMAIL_FIRST_RETRY_SECONDS)
            retry_at = timezone.now() + first_delay * 5 ** (attempt - 1)
            send_endorsement_email.using(run_after=retry_at).enqueue(
                kind=kind,
                endorsement_id=endorsement_id,
                version_id=version_id,
                attempt=attempt + 1,
            )
            logger.warning("Sending %s email failed; attempt %d at %s", kind, attempt + 1, retry_at)
        else:
            logger.error("Sending %s email failed %d times; giving up", kind, attempt)
        raise
    return f"sent {kind}"


@task()
def ask_endorsers_to_reconfirm(*, version_id: int) -> int:
    """Queue a reconfirmation email for every approved endorser of an earlier version."""
    version = Version.objects.get(pk=version_id)
    endorsers = Endorsement.objects.public().not_yet_endorsing(version).values_list("pk", flat=True)
    count = 0
    for endorsement_id in endorsers.iterator():
        send_endorsement_email.enqueue(
            kind="reconfirmation", endorsement_id=endorsement_id, version_id=version_id
        )
        count += 1
    return count


# A certificate whose render fails (too slow, too much memory) is tried again after this long.
CERTIFICATE_RETRY_SECONDS = 60


@task()
def refresh_certificate(*, endorsement_id: int, attempt: int = 1) -> str:
    """Make sure the stored certificate of this endorsement states what is true now
    (`certificate.store_certificate`): queued when it is approved and whenever what its
    certificate states changes. Several refreshes of one endorsement cost one render: the
    later ones find it up to date."""
    try:
        stored = store_certificate(endorsement_id=endorsement_id)
    except PdfRenderError as error:
        if attempt >= 3 or not refresh_certificate.get_backend().supports_defer:
            raise
        run_after = timezone.now() + timedelta(seconds=CERTIFICATE_RETRY_SECONDS * attempt)
        refresh_certificate.using(run_after=run_after).enqueue(
            endorsement_id=endorsement_id, attempt=attempt + 1
        )
        return f"failed, to be tried again: {error}"
    return f"stored: {stored.file.name}" if stored else "none: the endorsement is not public"


@task()
def refresh_certificates_in(*, version_id: int, language: str) -> int:
    """Queue a refresh of the certificate of every approved endorser whose latest version is
    this one and whose certificate is in `language`, whose title there changed: a translation
    was published or revised."""
    endorsers = (
        Endorsement.objects.public()
        .endorsing_latest(version_id)
        .filter(language=language)
        .values_list("pk", flat=True)
    )
    count = 0
    for endorsement_id in endorsers.iterator():
        refresh_certificate.enqueue(endorsement_id=endorsement_id)
        count += 1
    return count


@task(takes_context=True)
def build_open_data(context: TaskContext) -> str:
    """Build the open data files (CSV, CSV for Excel, JSON) from the endorsers as they are now.

    Changes can come faster than builds finish, and each queues one: a build that finds
    another one waiting in the queue does nothing, since that one starts later and reads every
    change this one was queued for."""
    if _another_build_waiting(build_open_data):
        return "skipped: a build queued after this one will read the same changes"
    built = open_data.build_open_data()
    return f"built: {built[0].row_count} endorsers"


@task(takes_context=True)
def build_hourly_series(context: TaskContext) -> str:
    """Build the hourly series (statistics/hourly.py); like `build_open_data`, a build that
    finds another one waiting leaves the work to it."""
    if _another_build_waiting(build_hourly_series):
        return "skipped: a build queued after this one will read the same changes"
    built = hourly.build_hourly_series()
    return f"built: {built[0].row_count} hours"


def _another_build_waiting(build) -> bool:
    """Whether another run of the task `build` waits in the database queue; other task
    backends keep no queue to ask."""
    return DBTaskResult.objects.filter(
        task_path=build.module_path, status=TaskResultStatus.READY
    ).exists()


@task()
def purge_unconfirmed_endorsements() -> str:
    """Every day: delete the unconfirmed endorsements whose confirmation link has expired,
    with all their personal data, as `manage.py purge_unconfirmed_endorsements` does (which
    can also be run by hand). They were never public, so no public page changes."""
    periodic.ensure_queued(purge_unconfirmed_endorsements, after=periodic.DAILY)
    with transaction.atomic():
        expired = Endorsement.objects.expired_unconfirmed()
        delete_files_when_committed(list(Logo.objects.filter(endorsement__in=expired)))
        _deleted, by_model = expired.delete()
        # The files of logos a bulk action rejected, once it can no longer be undone with them.
        purge_rejected_logo_files()
    return f"deleted {by_model.get(Endorsement._meta.label, 0)} expired unconfirmed endorsement(s)"


def queue_periodic_jobs(**kwargs) -> None:
    """After `migrate`: start the purge of expired confirmations where none is waiting."""
    periodic.ensure_queued(purge_unconfirmed_endorsements)
