"""Every email of a consultation: to a participant (confirm, withdraw, the moderator's decision,
the editors' decision on an amendment, the version that resulted) or to an invited
organisation. Plain text, so a participant's words cannot become markup; subjects are our own
words, so they cannot forge a header. Each is rendered and sent by the task worker, in the
language the person read the site in."""

from django.conf import settings
from django.db import transaction


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def queue(*, to: str, language: str, subject: str, template: str, context: dict) -> None:
    """Send `emails/consultation/<template>.txt` to `to` once the current transaction commits.

    `subject` is an untranslated message (mark it with gettext_noop): it is translated in
    `language` when the email is written. `context` holds only JSON values (names, titles,
    absolute links), so the task needs no query and a withdrawn contribution's text is not
    read back."""
    from .tasks import send_consultation_email

    transaction.on_commit(
        lambda: send_consultation_email.enqueue(
            to=to, language=language, subject=subject, template=template, context=context
        )
    )
