"""Scheduled publication without cron: scheduling queues a task for that time, the task worker
publishes the draft then in the scheduler's name (once, and only if it is still scheduled for
that time), a schedule can be cancelled, and one that was missed shows as overdue."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from principles.drafting import review
from principles.drafting.tasks import publish_on_schedule
from principles.models import AuditEntry, Declaration, Version, VersionStateError
from tests.html import parse_strict, submit

TASK_PATH = "principles.drafting.tasks.publish_on_schedule"


def url(name, *args):
    return reverse(f"drafting:{name}", args=args)


@pytest.fixture
def approved_draft(draft, editor, reviewer):
    review.submit(reviewed=draft, by=editor)
    return review.approve(reviewed=draft, by=reviewer)


def in_an_hour():
    return (timezone.now() + timedelta(hours=1)).replace(microsecond=0)


def schedule_on_the_page(client, draft, at):
    return submit(
        client,
        url("schedule", draft.pk),
        {"publish_at": at.strftime("%Y-%m-%dT%H:%M:%S")},
        follow=True,
        page=url("draft", draft.pk),
    )


def run_queued_publications() -> list[str]:
    """What the worker does once their time has come: run each queued publication task with
    the arguments it was queued with (the worker itself runs in tests/test_shared_generation.py
    and in the journeys)."""
    return [
        publish_on_schedule.call(**queued.args_kwargs["kwargs"])
        for queued in DBTaskResult.objects.filter(task_path=TASK_PATH).order_by("enqueued_at")
    ]


def test_scheduling_queues_a_task_to_run_at_the_chosen_second(
    approved_draft, publisher, signed_in, django_capture_on_commit_callbacks
):
    at = in_an_hour()
    with django_capture_on_commit_callbacks(execute=True):
        page = schedule_on_the_page(signed_in(publisher), approved_draft, at)

    task = DBTaskResult.objects.get(task_path=TASK_PATH)
    assert task.run_after == at
    assert task.args_kwargs["kwargs"] == {
        "version_id": approved_draft.pk,
        "publish_at": at.isoformat(),
    }
    assert "Publication scheduled." in page.text
    assert "The task worker will publish it then in the name of pat" in page.text


def test_the_due_task_publishes_once_in_the_scheduler_s_name_and_the_log_says_so(
    approved_draft, publisher, declaration, django_capture_on_commit_callbacks
):
    at = in_an_hour()
    with django_capture_on_commit_callbacks(execute=True):
        review.schedule(reviewed=approved_draft, by=publisher, at=at)

    first_run = run_queued_publications()
    second_run = run_queued_publications()

    approved_draft.refresh_from_db()
    declaration.refresh_from_db()
    assert approved_draft.number == 2
    assert declaration.current_version == approved_draft
    assert Version.objects.published().count() == 2
    assert first_run == [f"published {approved_draft} on schedule"]
    assert second_run == ["skipped: no longer scheduled for this time"]
    entry = AuditEntry.objects.get(action=AuditEntry.Action.DRAFT_PUBLISH_ON_SCHEDULE)
    assert entry.actor == publisher
    assert entry.get_action_display() == "Published on schedule"
    assert entry.detail.startswith("v2, scheduled by pat for ")
    assert "published by the task worker" in entry.detail
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.DRAFT_PUBLISH).exists()


def test_a_rescheduled_draft_s_old_task_does_nothing(
    approved_draft, publisher, django_capture_on_commit_callbacks
):
    first, second = in_an_hour(), in_an_hour() + timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        review.schedule(reviewed=approved_draft, by=publisher, at=first)
        review.schedule(reviewed=approved_draft, by=publisher, at=second)

    outcome = publish_on_schedule.call(version_id=approved_draft.pk, publish_at=first.isoformat())

    approved_draft.refresh_from_db()
    assert outcome.startswith("skipped")
    assert (approved_draft.status, approved_draft.publish_at) == ("approved", second)
    assert DBTaskResult.objects.filter(task_path=TASK_PATH).count() == 2


def test_a_publisher_cancels_a_schedule_and_its_task_does_nothing(
    approved_draft, publisher, signed_in, django_capture_on_commit_callbacks
):
    client = signed_in(publisher)
    with django_capture_on_commit_callbacks(execute=True):
        schedule_on_the_page(client, approved_draft, in_an_hour())

    page = submit(
        client,
        url("unschedule", approved_draft.pk),
        {},
        follow=True,
        page=url("draft", approved_draft.pk),
    )
    outcomes = run_queued_publications()

    approved_draft.refresh_from_db()
    assert outcomes == ["skipped: no longer scheduled for this time"]
    assert "Scheduled publication cancelled. The draft stays approved." in page.text
    assert (approved_draft.status, approved_draft.publish_at) == ("approved", None)
    assert approved_draft.scheduled_by is None
    assert Version.objects.published().count() == 1
    entry = AuditEntry.objects.get(action=AuditEntry.Action.DRAFT_UNSCHEDULE)
    assert (entry.actor, entry.get_action_display()) == (
        publisher,
        "Cancelled the scheduled publication",
    )
    assert "Cancel the scheduled publication" not in page.text


def test_only_a_scheduled_draft_can_be_unscheduled(approved_draft, publisher):
    with pytest.raises(VersionStateError, match="not scheduled"):
        review.unschedule(reviewed=approved_draft, by=publisher)


def test_a_missed_schedule_shows_as_overdue_with_publish_now_and_a_new_time(
    approved_draft, publisher, signed_in
):
    review.schedule(reviewed=approved_draft, by=publisher, at=in_an_hour())
    Version.objects.filter(pk=approved_draft.pk).update(
        publish_at=timezone.now() - timedelta(minutes=5)
    )
    client = signed_in(publisher)

    page = parse_strict(client.get(url("draft", approved_draft.pk)).content)
    index = client.get(url("index")).text

    state = "".join(page.find(".//p[@role='alert']").itertext())
    assert state.startswith("Overdue:")
    assert "the task worker may not be running" in state
    controls = [
        " ".join("".join(b.itertext()).split()) for b in page.iter() if b.tag in ("button", "a")
    ]
    assert {"Publish now…", "Reschedule", "Cancel the scheduled publication"} <= set(controls)
    assert "Overdue" in index
    assert "Scheduled for" not in index


def test_a_pending_schedule_is_listed_with_its_time_not_as_overdue(
    approved_draft, publisher, signed_in
):
    review.schedule(reviewed=approved_draft, by=publisher, at=in_an_hour())

    index = signed_in(publisher).get(url("index")).text

    assert "Scheduled for" in index
    assert "Overdue" not in index


def test_a_site_without_a_task_worker_refuses_to_schedule(approved_draft, publisher, settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": []}
    }

    with pytest.raises(VersionStateError, match="cannot publish later"):
        review.schedule(reviewed=approved_draft, by=publisher, at=in_an_hour())
    assert Version.objects.get(pk=approved_draft.pk).publish_at is None


def test_a_scheduled_publication_refused_at_its_time_leaves_the_draft_overdue(
    approved_draft, publisher, declaration, publish, django_capture_on_commit_callbacks
):
    at = in_an_hour()
    with django_capture_on_commit_callbacks(execute=True):
        review.schedule(reviewed=approved_draft, by=publisher, at=at)
    publish()  # a newer version: the draft is stale, publishing it is refused

    with pytest.raises(VersionStateError, match="has been published since"):
        review.publish_when_due(version_id=approved_draft.pk, at=at)

    approved_draft.refresh_from_db()
    assert approved_draft.status == "approved"
    assert Declaration.objects.get().current_version.number == 2


def test_a_scheduler_who_may_no_longer_publish_publishes_nothing(
    approved_draft, publisher, django_capture_on_commit_callbacks
):
    at = in_an_hour()
    with django_capture_on_commit_callbacks(execute=True):
        review.schedule(reviewed=approved_draft, by=publisher, at=at)
    publisher.groups.clear()

    with pytest.raises(VersionStateError, match="pat, who scheduled this draft, may no longer"):
        publish_on_schedule.call(version_id=approved_draft.pk, publish_at=at.isoformat())

    approved_draft.refresh_from_db()
    assert approved_draft.status == "approved"
    assert Version.objects.published().count() == 1
