"""Open data: the public CSV and JSON, and the live count."""

import csv
import io
import json

import pytest


def csv_rows(response) -> list[dict]:
    content = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(content)))


def test_the_csv_publishes_public_fields_of_approved_endorsers_only(client, make_endorsement):
    make_endorsement(name="Listed Org", country="KE", contact_email="secret@listed.example")
    make_endorsement(name="Waiting Org", status="confirmed")

    response = client.get("/endorsers.csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = csv_rows(response)
    assert [row["organisation_name"] for row in rows] == ["Listed Org"]
    assert rows[0]["country"] == "Kenya"
    assert rows[0]["region"] == "africa"
    assert rows[0]["version_endorsed"] == "1"
    assert "secret" not in json.dumps(rows)


@pytest.mark.parametrize(
    "name", ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rReturn"]
)
def test_a_formula_as_organisation_name_is_neutralised_in_the_csv(client, make_endorsement, name):
    make_endorsement(name=name, statement="=1+1")

    row = csv_rows(client.get("/endorsers.csv"))[0]

    assert row["organisation_name"] == "'" + name
    assert row["statement"] == "'=1+1"


def test_the_json_escapes_markup_and_keeps_every_script(client, make_endorsement):
    make_endorsement(name='<script>alert("x")</script>')
    make_endorsement(name="中国教育网络协会 🌍")

    response = client.get("/endorsers.json")

    assert response["Content-Type"] == "application/json"
    names = [e["organisation_name"] for e in json.loads(response.content)["endorsers"]]
    assert names == ['<script>alert("x")</script>', "中国教育网络协会 🌍"]
    assert "contact_email" not in response.content.decode()


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
