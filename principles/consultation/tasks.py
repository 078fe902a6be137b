"""Background work of consultations, run by the task worker (`manage.py db_worker`)."""

import logging
import smtplib
from datetime import timedelta

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
