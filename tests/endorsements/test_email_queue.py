"""Emails go through the database task queue; a failing mail server loses nothing."""

import socket
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from endorsements.models import Endorsement
from tests.html import submit

pytestmark = pytest.mark.django_db(transaction=True)
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}


def email_tasks():
    return DBTaskResult.objects.filter(task_path="endorsements.tasks.send_endorsement_email")


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=StringIO())


@pytest.fixture
def queued(settings):
    settings.TASKS = DATABASE_TASKS


def test_a_submission_is_answered_at_once_and_the_worker_sends_the_email(client, queued, form_data):
    response = submit(client, "/endorse/", form_data())

    assert response.status_code == 302
    assert not mail.outbox
    assert email_tasks().get().status == "READY"

    run_worker()

    assert len(mail.outbox) == 1
    assert "/endorse/confirm/" in mail.outbox[0].body
    assert email_tasks().get().status == "SUCCESSFUL"


def test_a_failing_mail_server_loses_no_submission_and_the_send_is_retried(
    client, queued, form_data, settings
):
    # Nothing listens on port 9: the connection is refused, as with a mail server that is down.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2

    response = submit(client, "/endorse/", form_data())
    run_worker()

    assert response.status_code == 302
    assert Endorsement.objects.get().status == Endorsement.Status.UNCONFIRMED
    failed = email_tasks().get(status="FAILED")
    assert "ConnectionRefusedError" in failed.exception_class_path + failed.traceback
    retry = email_tasks().get(status="READY")
    assert retry.run_after > failed.finished_at
    assert retry.args_kwargs["kwargs"]["attempt"] == 2


def test_staff_see_failed_sends_in_the_admin(client, queued, form_data, settings, admin_user):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    submit(client, "/endorse/", form_data())
    run_worker()
    client.force_login(admin_user)

    response = client.get("/admin/django_tasks_database/dbtaskresult/?status__exact=FAILED")

    assert response.status_code == 200
    assert b"send_endorsement_email" in response.content


class MailServer:
    """A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it received."""

    def __init__(self, port: int):
        from aiosmtpd.controller import Controller

        self.messages = []
        self.controller = Controller(self, hostname="127.0.0.1", port=port)

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted"

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc_info):
        self.controller.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_email_waits_while_the_mail_server_is_down_and_is_sent_once_it_is_back(
    client, queued, form_data, settings
):
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    settings.ENDORSEMENT_EMAIL_FIRST_RETRY_SECONDS = 30

    submit(client, "/endorse/", form_data())
    run_worker()  # nothing listens on the port yet: the mail server is down

    failed = email_tasks().get(status="FAILED")
    retry = email_tasks().get(status="READY")
    assert timedelta(seconds=29) < retry.run_after - failed.started_at < timedelta(seconds=31)
    # Thirty seconds pass, and the mail server is back.
    email_tasks().filter(pk=retry.pk).update(run_after=timezone.now())
    with MailServer(port) as server:
        run_worker()

    assert [message.rcpt_tos for message in server.messages] == [["amina@openschools.example.org"]]
    assert "/endorse/confirm/" in server.messages[0].content.decode()
    assert email_tasks().get(pk=retry.pk).status == "SUCCESSFUL"
    assert not email_tasks().filter(status="READY").exists()
