"""Open data: the public CSV (plain and for Excel) and JSON, built once per change and served
like static files, and the live count."""

import csv
import io
import json
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from endorsements.models import OpenDataFile
from endorsements.open_data import FIRST_BUILD_LOCK

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body(response).decode())))


def json_rows(response) -> list[dict]:
    return json.loads(body(response))["endorsers"]


def builds(caplog) -> int:
    return sum("Built the open data files" in record.message for record in caplog.records)


@pytest.fixture
def committed(make_endorsement, version):
    """An approved endorser who committed to action lines 1.2 and 2.1, with a website."""
    lines = [line for p in version.principles.all() for line in p.action_lines.all()]
    endorsement = make_endorsement(
        name="Listed Org",
        country="KE",
        website="https://listed.example.org",
        contact_email="secret@listed.example",
        statement="We connect schools.",
    )
    endorsement.action_lines.set([lines[1], lines[2]])
    return endorsement


def test_the_csv_publishes_public_fields_of_approved_endorsers_only(
    client, committed, make_endorsement
):
    make_endorsement(name="Waiting Org", status="confirmed")

    response = client.get("/endorsers.csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="endorsers.csv"'
    rows = csv_rows(response)
    assert [row["organisation_name"] for row in rows] == ["Listed Org"]
    assert rows[0] == {
        "organisation_name": "Listed Org",
        "organisation_type": "ngo",
        "country_code": "KE",
        "country": "Kenya",
        "region": "africa",
        "website": "https://listed.example.org",
        "statement": "We connect schools.",
        "approved_at": committed.approved_at.isoformat(),
        "version_endorsed": "1",
        "version_reconfirmed": "",
        "latest_version": "1",
        "commitments": "1.2; 2.1",
        "commitments_version": "1",
        "trust_level": "self-declared",
    }
    assert "secret" not in json.dumps(rows)
    assert "Contact person" not in json.dumps(rows)


def test_the_json_carries_each_commitment_by_its_citation(client, committed):
    [row] = json_rows(client.get("/endorsers.json"))

    assert row["website"] == "https://listed.example.org"
    assert row["version_endorsed"] == 1
    assert row["version_reconfirmed"] is None
    assert row["commitments"] == [
        {
            "action_line": "1.2",
            "version": 1,
            "url": "https://declaration.test/versions/1/#principle-1-action-2",
        },
        {
            "action_line": "2.1",
            "version": 1,
            "url": "https://declaration.test/versions/1/#principle-2-action-1",
        },
    ]
    assert not {"contact_name", "contact_role", "contact_email"} & row.keys()


def test_a_translated_address_serves_the_same_file_with_country_names_in_english(client, committed):
    english = body(client.get("/endorsers.json"))

    assert body(client.get("/fr/endorsers.json")) == english
    assert json.loads(english)["endorsers"][0]["country"] == "Kenya"


@pytest.mark.parametrize(
    "name", ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rReturn"]
)
def test_a_formula_as_organisation_name_is_neutralised_in_the_csv(client, make_endorsement, name):
    make_endorsement(name=name, statement="=1+1", website="=cmd|' /C calc'!A0")

    for path in ("/endorsers.csv", "/endorsers-excel.csv"):
        row = csv_rows(client.get(path))[0]

        assert row[next(iter(row))].lstrip("\ufeff") == "'" + name
        assert row["statement"] == "'=1+1"
        assert row["website"] == "'=cmd|' /C calc'!A0"


def test_the_json_escapes_markup_and_keeps_every_script(client, make_endorsement):
    make_endorsement(name='<script>alert("x")</script>')
    make_endorsement(name="中国教育网络协会 🌍")

    response = client.get("/endorsers.json")

    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == 'inline; filename="endorsers.json"'
    assert response["Access-Control-Allow-Origin"] == "*"
    names = [e["organisation_name"] for e in json_rows(response)]
    assert names == ['<script>alert("x")</script>', "中国教育网络协会 🌍"]


def test_the_csv_for_excel_starts_with_a_byte_order_mark_and_keeps_arabic_and_chinese(
    client, make_endorsement
):
    make_endorsement(name="جمعية التعليم للجميع", country="EG")
    make_endorsement(name="教育联网协会", country="CN")

    response = client.get("/endorsers-excel.csv")

    content = body(response)
    assert content.startswith(b"\xef\xbb\xbf")
    assert response["Content-Disposition"] == 'attachment; filename="endorsers-excel.csv"'
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert [(row["organisation_name"], row["country"]) for row in rows] == [
        ("جمعية التعليم للجميع", "Egypt"),
        ("教育联网协会", "China"),
    ]
    assert content.removeprefix(b"\xef\xbb\xbf") == body(client.get("/endorsers.csv"))


def test_a_download_is_a_stored_file_with_validators_and_a_short_cache_life(
    client, committed, django_assert_num_queries
):
    client.get("/endorsers.csv")  # the first download builds the files

    with django_assert_num_queries(1):
        response = client.get("/endorsers.csv")
        content = body(response)

    stored = OpenDataFile.objects.get(kind="csv")
    assert response["ETag"] == f'"{stored.content_hash}"'
    assert response["Content-Length"] == str(len(content)) == str(stored.size)
    assert response["Cache-Control"] == "public, max-age=60"
    assert "Last-Modified" in response
    assert client.head("/endorsers.csv").status_code == 200


def test_a_reader_who_has_the_file_gets_a_304(client, committed):
    first = client.get("/endorsers.json")

    again = client.get("/endorsers.json", headers={"if-none-match": first["ETag"]})
    since = client.get("/endorsers.json", headers={"if-modified-since": first["Last-Modified"]})

    assert again.status_code == since.status_code == 304
    assert again["ETag"] == first["ETag"]
    assert client.get("/endorsers.json", headers={"if-none-match": '"other"'}).status_code == 200


def test_downloads_read_one_build_until_the_public_list_changes(client, committed, caplog):
    caplog.set_level("INFO", logger="endorsements.open_data")

    for path in ("/endorsers.csv", "/endorsers.json", "/endorsers-excel.csv", "/endorsers.csv"):
        assert client.get(path).status_code == 200

    assert builds(caplog) == 1


def test_an_approval_rebuilds_the_files_once_the_change_commits(
    client, committed, make_endorsement, approve, caplog
):
    caplog.set_level("INFO", logger="endorsements.open_data")
    client.get("/endorsers.csv")
    waiting = make_endorsement(name="Newly Approved", status="confirmed")

    approve(waiting)

    assert builds(caplog) == 2
    names = [row["organisation_name"] for row in csv_rows(client.get("/endorsers.csv"))]
    assert names == ["Listed Org", "Newly Approved"]


@pytest.mark.django_db(transaction=True)
def test_an_approval_queues_a_build_that_the_worker_runs_while_readers_get_the_previous_file(
    client, settings, committed, make_endorsement, approve
):
    client.get("/endorsers.json")
    settings.TASKS = DATABASE_TASKS
    waiting = make_endorsement(name="Newly Approved", status="confirmed")

    approve(waiting)

    queued = DBTaskResult.objects.filter(task_path="endorsements.tasks.build_open_data")
    assert queued.filter(status="READY").count() == 1
    assert [row["organisation_name"] for row in json_rows(client.get("/endorsers.json"))] == [
        "Listed Org"
    ]
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=StringIO())
    assert queued.get().return_value == "built: 2 endorsers"
    assert [row["organisation_name"] for row in json_rows(client.get("/endorsers.json"))] == [
        "Listed Org",
        "Newly Approved",
    ]


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_changes_builds_once_with_every_change(
    client, settings, make_endorsement, approve
):
    settings.TASKS = DATABASE_TASKS
    for name in ("First", "Second", "Third"):
        approve(make_endorsement(name=name, status="confirmed"))

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=StringIO())

    outcomes = sorted(
        task.return_value.split(":")[0]
        for task in DBTaskResult.objects.filter(task_path="endorsements.tasks.build_open_data")
    )
    assert outcomes == ["built", "skipped", "skipped"]
    assert len(json_rows(client.get("/endorsers.json"))) == 3


def test_a_withdrawn_endorser_leaves_the_files_and_older_builds_are_pruned(
    client, committed, make_endorsement, django_capture_on_commit_callbacks
):
    from endorsements.services import withdraw_endorsement

    other = make_endorsement(name="Leaving Org")
    client.get("/endorsers.csv")
    for endorsement in (other, committed):
        with django_capture_on_commit_callbacks(execute=True):
            withdraw_endorsement(endorsement=endorsement)

    assert csv_rows(client.get("/endorsers.csv")) == []
    assert json_rows(client.get("/endorsers.json")) == []
    stored = OpenDataFile.objects.filter(kind="csv")
    assert stored.count() == 2
    assert all(row.file.storage.exists(row.file.name) for row in stored)


def test_while_the_first_build_runs_other_readers_are_asked_to_come_back(client, committed):
    cache.add(FIRST_BUILD_LOCK, True, 60)  # another request is building the files

    response = client.get("/endorsers.csv")

    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert "being prepared" in response.content.decode()
    cache.delete(FIRST_BUILD_LOCK)
    assert client.get("/endorsers.csv").status_code == 200


def test_a_website_sent_when_the_notice_promised_it_stays_private_is_not_published(
    client, make_endorsement
):
    make_endorsement(
        name="Promised Org", website="https://promised.example.org", website_is_public=False
    )

    rows = csv_rows(client.get("/endorsers.csv"))

    assert [(row["organisation_name"], row["website"]) for row in rows] == [("Promised Org", "")]
    assert b"promised.example.org" not in body(client.get("/endorsers.json"))


def test_the_list_links_every_open_data_file(client, committed):
    page = client.get("/endorsers/").content.decode()

    for path in ("/endorsers.csv", "/endorsers-excel.csv", "/endorsers.json"):
        assert f'href="{path}"' in page


def test_the_privacy_notice_names_every_published_field(client, db):
    page = client.get("/endorse/privacy/").content.decode()

    for published in ("website", "action lines", "version", "CSV", "JSON"):
        assert published in page


def test_the_count_gives_the_live_total_for_embedding(client, make_endorsement):
    make_endorsement()
    make_endorsement()
    make_endorsement(status="confirmed")

    response = client.get("/endorsers/count.json")

    assert response.json() == {
        "endorsers": 2,
        "current_version": 1,
        "endorsers_of_current_version": 2,
        "endorsers_by_latest_version": {"1": 2},
    }
    assert response["Access-Control-Allow-Origin"] == "*"


def test_behind_nginx_a_file_is_named_to_nginx_with_its_validators(client, committed, settings):
    settings.X_ACCEL_REDIRECT_PREFIX = "/_stored/"

    response = client.get("/endorsers.csv")
    again = client.get("/endorsers.csv", headers={"if-none-match": response["ETag"]})

    assert response.status_code == 200
    assert response.content == b""
    assert response["X-Accel-Redirect"].startswith("/_stored/open-data/csv/")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="endorsers.csv"'
    assert response["ETag"] == again["ETag"]
    assert response["Last-Modified"]
    assert response["Access-Control-Allow-Origin"] == "*"
    assert again.status_code == 304
    assert "X-Accel-Redirect" not in again
