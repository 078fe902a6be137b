"""Background work of consultations, run by the task worker (`manage.py db_worker`)."""

import logging
import smtplib
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_tasks import task

logger = logging.getLogger(__name__)

# As for endorsements: a failed send is tried again, waiting five times longer each time.
MAX_ATTEMPTS = 5


@task()
def send_consultation_email(
    *, to: str, language: str, subject: str, template: str, context: dict, attempt: int = 1
) -> str:
    """Write and send one email of `emails.queue`. A mail server that fails makes this task
    fail (staff see it under "Task results" in the admin) after queueing the next attempt."""
    try:
        with translation.override(language or settings.LANGUAGE_CODE):
            body = render_to_string(f"emails/consultation/{template}.txt", context)
            EmailMessage(subject=gettext(subject), body=body, to=[to]).send()
    except (OSError, smtplib.SMTPException):
        if attempt >= MAX_ATTEMPTS:
            logger.error("Sending %s email failed %d times; giving up", template, attempt)
            raise
        first_delay = timedelta(seconds=settings.ENDORSEMENT_EMAIL_FIRST_RETRY_SECONDS)
        retry_at = timezone.now() + first_delay * 5 ** (attempt - 1)
        send_consultation_email.using(run_after=retry_at).enqueue(
            to=to,
            language=language,
            subject=subject,
            template=template,
            context=context,
            attempt=attempt + 1,
        )
        logger.warning("Sending %s email failed; attempt %d at %s", template, attempt + 1, retry_at)
        raise
    return f"sent {template}"


@task()
def open_on_schedule(*, consultation_id: int, opens_at: str) -> str:
    """Open a consultation at the time it was set to open (queued by `services` to run then).
    One whose opening changed meanwhile, or that is open already, is left alone."""
    from . import services  # services queue this task

    opened = services.open_when_due(
        consultation_id=consultation_id, at=datetime.fromisoformat(opens_at)
    )
    if opened is None:
        return "skipped: no longer due to open at this time"
    return f"opened {opened}"


@task()
def close_on_schedule(*, consultation_id: int, closes_at: str) -> str:
    """Close a consultation at its closing time. One closed early, or whose closing was moved
    (a task for the new time is queued), is left alone."""
    from . import services  # services queue this task

    closed = services.close_when_due(
        consultation_id=consultation_id, at=datetime.fromisoformat(closes_at)
    )
    if closed is None:
        return "skipped: no longer due to close at this time"
    return f"closed {closed}"
