"""Emails go through the database task queue; a failing mail server loses nothing."""

from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from endorsements.models import Endorsement

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
    response = client.post("/endorse/", form_data())

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

    response = client.post("/endorse/", form_data())
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
    client.post("/endorse/", form_data())
    run_worker()
    client.force_login(admin_user)

    response = client.get("/admin/django_tasks_database/dbtaskresult/?status__exact=FAILED")

    assert response.status_code == 200
    assert b"send_endorsement_email" in response.content
