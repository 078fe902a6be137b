"""The hourly series as open data, and the chart of endorsers over time drawn from it."""

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from endorsements.models import Endorsement, OpenDataFile
from endorsements.services import revoke_approval, withdraw_endorsement
from endorsements.statistics.hourly import build_hourly_series, endorsers_over_time
from tests.html import parse_strict, submit

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
HEADER = "hour,confirmations,approvals,withdrawals,revocations"


def csv_lines(response) -> list[str]:
    return b"".join(response.streaming_content).decode().splitlines()


def json_of(response) -> dict:
    return json.loads(b"".join(response.streaming_content))


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def dated(make_endorsement):
    """`dated(confirmed_at=…, approved_at=…, status=…)`: an endorsement with these dates."""

    def make(status="approved", **dates):
        endorsement = make_endorsement(status=status)
        Endorsement.objects.filter(pk=endorsement.pk).update(**dates)
        return endorsement

    return make


@pytest.fixture
def history(dated):
    """Two approvals on 1 March, one withdrawn on the 2nd; a confirmation still waiting."""
    dated(confirmed_at=at(1, 9, 5), approved_at=at(1, 10, 30))
    dated(
        status="withdrawn",
        confirmed_at=at(1, 9, 40),
        approved_at=at(1, 10, 45),
        withdrawn_at=at(2, 14, 1),
    )
    dated(status="confirmed", confirmed_at=at(2, 14, 59))
    build_hourly_series()


def test_the_csv_counts_each_hour_in_utc_and_leaves_out_empty_hours(client, history):
    response = client.get("/endorsers/hourly.csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert csv_lines(response) == [
        HEADER,
        "2026-03-01T09:00:00Z,2,0,0,0",
        "2026-03-01T10:00:00Z,0,2,0,0",
        "2026-03-02T14:00:00Z,1,0,1,0",
    ]


def test_the_json_describes_itself_and_holds_the_same_hours(client, history):
    document = json_of(client.get("/endorsers/hourly.json"))

    assert document["fields"] == [
        "hour",
        "confirmations",
        "approvals",
        "withdrawals",
        "revocations",
    ]
    assert "left out" in document["description"]
    assert document["hours"][2] == {
        "hour": "2026-03-02T14:00:00Z",
        "confirmations": 1,
        "approvals": 0,
        "withdrawals": 1,
        "revocations": 0,
    }


def test_the_series_holds_no_name_address_or_email(client, make_endorsement):
    make_endorsement(
        name="Secret Org", contact_email="boss@secret.example", website="https://x.example"
    )
    build_hourly_series()

    for address in ("/endorsers/hourly.csv", "/endorsers/hourly.json"):
        body = b"".join(client.get(address).streaming_content).decode()
        assert not re.search("secret|example|@", body, re.IGNORECASE)


def test_with_no_endorsement_the_csv_is_its_header_row(client, db):
    response = client.get("/endorsers/hourly.csv")

    assert response.status_code == 200
    assert csv_lines(response) == [HEADER]
    assert json_of(client.get("/endorsers/hourly.json"))["hours"] == []


def test_every_cell_is_a_date_or_a_number_that_no_spreadsheet_runs(client, history):
    rows = list(csv.reader(io.StringIO("\n".join(csv_lines(client.get("/endorsers/hourly.csv"))))))

    for hour, *counts in rows[1:]:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:00:00Z", hour)
        assert all(count.isdigit() for count in counts)


def test_a_download_reads_one_row_and_a_reader_who_has_it_gets_a_304(
    client, history, django_assert_num_queries
):
    with django_assert_num_queries(1):
        first = client.get("/endorsers/hourly.json")

    assert first["Cache-Control"] == "public, max-age=60"
    assert first["Access-Control-Allow-Origin"] == "*"
    again = client.get("/endorsers/hourly.json", headers={"if-none-match": first["ETag"]})
    assert again.status_code == 304
    since = client.get(
        "/endorsers/hourly.csv", headers={"if-modified-since": first["Last-Modified"]}
    )
    assert since.status_code == 304


def test_only_reading_is_allowed(client, history):
    assert client.head("/endorsers/hourly.csv").status_code == 200
    assert client.delete("/endorsers/hourly.csv").status_code in {403, 405}


def test_a_confirmation_an_approval_and_a_withdrawal_each_rebuild_the_series(
    client, make_endorsement, approve, django_capture_on_commit_callbacks, mailoutbox
):
    waiting = make_endorsement(status="unconfirmed")
    Endorsement.objects.filter(pk=waiting.pk).update(confirmed_at=None)
    token = waiting.link_token("confirm")

    with django_capture_on_commit_callbacks(execute=True):
        submit(client, f"/endorse/confirm/{token}/", {})
    assert totals(client) == {"confirmations": 1, "approvals": 0, "withdrawals": 0}

    approve(Endorsement.objects.get(pk=waiting.pk))
    assert totals(client) == {"confirmations": 1, "approvals": 1, "withdrawals": 0}

    with django_capture_on_commit_callbacks(execute=True):
        withdraw_endorsement(endorsement=waiting)
    assert totals(client) == {"confirmations": 1, "approvals": 1, "withdrawals": 1}


def totals(client) -> dict:
    hours = json_of(client.get("/endorsers/hourly.json"))["hours"]
    return {
        event: sum(hour[event] for hour in hours)
        for event in ("confirmations", "approvals", "withdrawals")
    }


def test_approvals_less_withdrawals_and_revocations_is_the_public_count(
    client, make_endorsement, moderator, django_capture_on_commit_callbacks
):
    endorsements = [make_endorsement() for _ in range(5)]
    with django_capture_on_commit_callbacks(execute=True):
        withdraw_endorsement(endorsement=endorsements[0])
        revoke_approval(
            endorsement=endorsements[1], moderator=moderator, reason="Not an organisation"
        )
    make_endorsement(status="confirmed")

    hours = json_of(client.get("/endorsers/hourly.json"))["hours"]
    net = sum(hour["approvals"] - hour["withdrawals"] - hour["revocations"] for hour in hours)

    assert net == Endorsement.objects.public().count() == 3


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_approvals_builds_the_series_once_in_the_worker(
    client, settings, make_endorsement, approve
):
    settings.TASKS = DATABASE_TASKS
    for _ in range(3):
        approve(make_endorsement(status="confirmed"))

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=io.StringIO())

    outcomes = sorted(
        task.return_value.split(":")[0]
        for task in DBTaskResult.objects.filter(task_path="endorsements.tasks.build_hourly_series")
    )
    assert outcomes == ["built", "skipped", "skipped"]
    assert totals(client)["approvals"] == 3


def test_a_build_that_changes_nothing_stores_nothing_new(db, history):
    build_hourly_series()
    build_hourly_series()

    assert OpenDataFile.objects.filter(kind="hourly-csv").count() == 1


def changes(*events) -> list[tuple]:
    return [(when, event, total) for when, event, total in events]


def test_over_a_few_weeks_the_chart_counts_by_day_with_every_day_shown():
    series = endorsers_over_time(
        changes(
            (at(1, 9), "confirmations", 5),
            (at(1, 10), "approvals", 3),
            (at(3, 12), "approvals", 2),
            (at(3, 13), "withdrawals", 1),
        )
    )

    assert series["by_day"] is True
    assert [(day.day, change) for day, change in series["changes"]] == [(1, 3), (2, 0), (3, 1)]


def test_over_months_the_chart_counts_by_month():
    start = at(1, 9)
    series = endorsers_over_time(
        changes(
            (start, "approvals", 4),
            (start + timedelta(days=70), "revocations", 1),
            (start + timedelta(days=95), "approvals", 2),
        )
    )

    assert series["by_day"] is False
    assert [(month.month, change) for month, change in series["changes"]] == [
        (3, 4),
        (4, 0),
        (5, -1),
        (6, 2),
    ]


def test_the_list_draws_endorsers_over_time_from_the_series_with_a_table(
    client, history, make_endorsement
):
    page = parse_strict(client.get("/endorsers/").content)
    figures = page.find(".//table[@id='over-time-table']")
    rows = [[cell.text for cell in row] for row in figures.find("tbody")]

    assert rows == [["1 Mar 2026", "2"], ["2 Mar 2026", "1"]]
    title = page.find(".//{http://www.w3.org/2000/svg}title[@id='over-time-svg-title']")
    assert title.text == "Total number of endorsers at the end of each day"


def test_the_list_links_the_hourly_series(client, history):
    page = client.get("/endorsers/").content.decode()

    assert 'href="/endorsers/hourly.csv"' in page
    assert 'href="/endorsers/hourly.json"' in page
