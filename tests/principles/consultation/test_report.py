"""What we heard: once a consultation closes, its report as a page, a CSV and a signed PDF
counts what the database counts, names nobody who did not agree, and holds no email; when the
resulting version is published, each contributor is told once."""

import csv
import io
from collections import Counter

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tasks_db.models import DBTaskResult

from declaration_site.regions import REGION_OF_COUNTRY
from principles.consultation.report_pdf import store_report
from principles.consultation.report_tasks import (
    queue_report,
    render_consultation_report,
    tell_contributors,
)
from principles.consultation.tasks import send_consultation_email
from principles.models import Contribution, Invitation
from tests.html import parse_strict, submit
from tests.principles.pdf.pdf_reading import reader, shows, text_lines

REPORT = "/consultation/draft-2-consultation/report/"
CSV = "/consultation/draft-2-consultation/report.csv"
PDF = "/consultation/draft-2-consultation/report.pdf"
EMAILS = ["amina@schools-online.example", "li@edu.example", "omar@moe.example"]


def keys(consultation) -> dict[str, str]:
    text = consultation.text
    first = text["principles"][0]
    return {
        "whole": "",
        "title": "version",
        "principle 1": first["key"],
        "line 1.2": first["action_lines"][1]["key"],
    }


@pytest.fixture
def heard(consultation, contribute, editor):
    """A closed consultation with contributions in several types, countries, languages and
    clauses: some withdrawn (counted without text), some not counted (rejected, waiting, an
    editor's reply)."""
    clause = keys(consultation)
    contribute(consultation, item_key=clause["whole"])
    contribute(
        consultation,
        item_key=clause["line 1.2"],
        kind="amendment",
        organisation_type="government",
        country="FR",
        language="fr",
        email=EMAILS[1],
        organisation_name='=HYPERLINK("http://evil.example")',
        proposed_text="+Connect every school and library.",
        body="@cmd reason",
    )
    contribute(
        consultation,
        item_key=clause["line 1.2"],
        kind="amendment",
        organisation_type="academia",
        country="EG",
        language="ar",
        email=EMAILS[2],
        organisation_name="جامعة القاهرة",
    ).decide(outcome="declined", by=editor, reason="Out of scope for this version.")
    contribute(
        consultation,
        item_key=clause["principle 1"],
        kind="new-action-line",
        organisation_type="ngo",
        country="BR",
        language="es",
        email="AMINA@schools-online.example",
    )
    contribute(consultation, item_key=clause["title"], country="CN", language="zh-hans").withdraw()
    contribute(consultation, item_key=clause["line 1.2"], kind="amendment", country="KE").withdraw()
    contribute(consultation, status="rejected", email="spam@example.com")
    contribute(consultation, status="confirmed", email="waiting@example.com")
    Contribution.objects.create(
        consultation=consultation, body="Thank you.", author=editor, status="approved"
    )
    consultation.close()
    return consultation


def database_counts(consultation) -> dict[str, Counter]:
    rows = Contribution.objects.filter(consultation=consultation, author=None).counted()
    return {
        "clause": Counter(row.item_key for row in rows),
        "type": Counter(row.organisation_type for row in rows),
        "region": Counter(REGION_OF_COUNTRY[row.country.code] for row in rows),
        "language": Counter(row.language for row in rows),
    }


def table(page, caption_id: str) -> dict[str, int]:
    body = page.find(f".//table[@aria-labelledby='{caption_id}']/tbody")
    return {
        "".join(row.find("th").itertext()).strip(): int(row.find("td").text)
        for row in body.findall("tr")
    }


def test_before_it_closes_the_report_page_says_when_it_will_be_there(client, consultation):
    response = client.get(REPORT)

    assert response.status_code == 200
    assert "The report will be published here once the consultation closes" in (
        response.content.decode()
    )
    assert client.get(CSV).status_code == 404
    assert client.get(PDF).status_code == 404
    assert client.get("/consultation/no-such-consultation/report/").status_code == 404


def test_the_page_counts_what_the_database_counts_under_labelled_clauses(client, heard):
    expected = database_counts(heard)
    title = heard.text["principles"][0]["title"]

    page = parse_strict(client.get(REPORT).content)

    assert table(page, "by-clause") == {
        "The whole text": 1,
        "Title and preamble": 1,
        f"Principle 1: {title}": 1,
        "Principle 1, action line 2": 3,
    }
    assert sum(expected["clause"].values()) == 6
    assert table(page, "by-type") == {
        "NGO or civil society": 4,
        "Government or ministry": 1,
        "Academia or research": 1,
    }
    assert table(page, "by-region") == {"Africa": 3, "Americas": 1, "Asia": 1, "Europe": 1}
    assert table(page, "by-language") == {
        "English": 2,
        "French": 1,
        "Spanish": 1,
        "Arabic": 1,
        "Simplified Chinese": 1,
    }
    assert sorted(expected["type"].values()) == sorted(table(page, "by-type").values())
    assert sorted(expected["region"].values()) == sorted(table(page, "by-region").values())
    assert sorted(expected["language"].values()) == sorted(table(page, "by-language").values())


@pytest.mark.parametrize(
    ("prefix", "heading"),
    [
        ("", "What we heard"),
        ("/fr", "Ce que nous avons entendu"),
        ("/es", "Lo que escuchamos"),
        ("/ar", "ما سمعناه"),
        ("/ru", "Что мы услышали"),
        ("/zh-hans", "我们听到的意见"),
    ],
)
def test_the_report_answers_in_every_language(client, heard, prefix, heading):
    response = client.get(prefix + REPORT)

    assert response.status_code == 200
    assert heading in response.content.decode()
    parse_strict(response.content)


def test_every_amendment_is_listed_with_its_outcome_and_reason(client, heard):
    text = " ".join("".join(parse_strict(client.get(REPORT).content).itertext()).split())

    assert "Out of scope for this version." in text
    assert "Declined" in text
    assert text.count("Under consideration") == 3
    assert "Withdrawn by its author." in text
    assert "The resulting version is not yet published." in text


def test_the_csv_lists_every_counted_contribution_and_neutralises_formulas(client, heard):
    response = client.get(CSV)
    content = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(content)))

    expected = database_counts(heard)
    assert Counter(row["clause_key"] for row in rows) == expected["clause"]
    assert Counter(row["organisation_type"] for row in rows) == expected["type"]
    assert Counter(row["region"] for row in rows) == expected["region"]
    assert Counter(row["language"] for row in rows) == expected["language"]
    proposal = next(row for row in rows if row["language"] == "fr")
    assert proposal["organisation"] == '\'=HYPERLINK("http://evil.example")'
    assert proposal["proposed_text"] == "'+Connect every school and library."
    assert proposal["comment_or_reason"] == "'@cmd reason"
    withdrawn = [row for row in rows if row["status"] == "withdrawn"]
    assert len(withdrawn) == 2
    assert {(row["comment_or_reason"], row["proposed_text"]) for row in withdrawn} == {("", "")}


def test_no_email_address_leaks_into_the_page_or_the_csv(client, heard):
    page = client.get(REPORT).content.decode()
    table_csv = b"".join(client.get(CSV).streaming_content).decode()

    for address in [*EMAILS, "spam@example.com", "waiting@example.com"]:
        assert address.split("@")[0] + "@" not in page.lower()
        assert address.split("@")[0] + "@" not in table_csv.lower()
    assert "Thank you." not in table_csv


def test_hostile_text_is_shown_as_text_and_kept_in_its_direction(client, consultation, contribute):
    contribute(
        consultation,
        kind="amendment",
        organisation_name="<script>alert(1)</script>\u202eevil",
        proposed_text="<b>bold</b>",
        body="-2+3",
    )
    consultation.close()

    page = client.get(REPORT).content.decode()
    rows = list(csv.DictReader(io.StringIO(b"".join(client.get(CSV).streaming_content).decode())))

    assert "<script>alert(1)" not in page
    assert '<bdi dir="ltr">&lt;script&gt;alert(1)&lt;/script&gt;evil</bdi>' in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
    assert rows[0]["comment_or_reason"] == "'-2+3"


def test_an_invited_organisation_that_did_not_agree_is_not_named(
    client, make_consultation, changed_draft, contribute, publisher
):
    consultation = make_consultation(changed_draft, audience="invited")
    for name, listed in [("Named Ministry", True), ("Quiet Foundation", False)]:
        invitation = Invitation.objects.create(
            consultation=consultation,
            organisation_name=name,
            email=f"{name.split()[0].lower()}@example.org",
            listed=listed,
            invited_by=publisher,
        )
        contribute(consultation, kind="amendment", organisation_name=name, invitation=invitation)
    consultation.close()

    page = client.get(REPORT).content.decode()
    table_csv = b"".join(client.get(CSV).streaming_content).decode()

    assert "Named Ministry" in page
    assert "Named Ministry" in table_csv
    assert "Quiet Foundation" not in page
    assert "Quiet Foundation" not in table_csv
    assert "an organisation that did not agree to be named is not named" in page


def test_queue_report_renders_a_closed_consultations_pdf_in_each_of_its_languages(
    consultation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        queue_report(consultation)
    queued = DBTaskResult.objects.filter(task_path=render_consultation_report.module_path)
    assert not queued.exists()

    consultation.close()
    with django_capture_on_commit_callbacks(execute=True):
        queue_report(consultation)

    assert sorted(result.args_kwargs["kwargs"]["language"] for result in queued) == [
        "ar",
        "en",
        "fr",
    ]


def test_no_request_renders_the_pdf_until_the_worker_stored_it(client, heard, pdf_settings):
    response = client.get(PDF)

    assert response.status_code == 503
    assert response["Retry-After"]
    assert "The signed PDF of this report is not ready yet" in response.content.decode()
    assert not heard.reports.exists()


def test_a_stored_pdf_lost_from_storage_is_rendered_again_not_a_500(
    client, heard, pdf_settings, django_capture_on_commit_callbacks
):
    render_consultation_report.call(consultation_id=heard.pk, language="en")
    stored = heard.reports.get(language="en")
    stored.file.storage.delete(stored.file.name)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(PDF)

    assert response.status_code == 503
    queued = DBTaskResult.objects.filter(task_path=render_consultation_report.module_path)
    assert queued.exists()
    render_consultation_report.call(consultation_id=heard.pk, language="en")
    response = client.get(PDF)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_the_signed_pdf_counts_what_the_page_counts_and_verify_says_it_is_ours(
    client, heard, pdf_settings
):
    from principles.pdf.signing import Verdict, verify_pdf
    from tests.principles.pdf.test_pdf_signing import validate

    render_consultation_report.call(consultation_id=heard.pk, language="en")
    response = client.get(PDF)
    pdf = b"".join(response.streaming_content)

    status = validate(pdf)
    assert status.bottom_line
    assert status.intact
    assert status.valid
    verification = verify_pdf(pdf)
    assert verification.verdict is Verdict.GENUINE
    assert verification.metadata["consultation_report"] == "draft-2-consultation"
    assert verification.metadata["report_count"] == "6"
    lines = text_lines(pdf)
    assert shows("Principle 1, action line 2 3", lines)
    assert shows("The whole text 1", lines)
    assert shows("Africa 3", lines)
    assert shows("Out of scope for this version.", lines)
    assert not any("@" in line and "example" in line for line in lines)
    assert reader(pdf).metadata["/reportcount"] == "6"

    verdict = submit(client, "/verify/", {"pdf": SimpleUploadedFile("report.pdf", pdf)})
    text = " ".join("".join(parse_strict(verdict.content).find(".//main").itertext()).split())
    assert "Genuine: signed by this site and unaltered" in text
    assert "It holds the report of the consultation “draft-2-consultation”" in text
    assert "counting 6 contributions" in text


def test_the_arabic_pdf_is_rendered_right_to_left_and_not_again_when_nothing_changed(
    client, heard, pdf_settings, editor
):
    first = store_report(consultation_id=heard.pk, language="ar")
    again = store_report(consultation_id=heard.pk, language="ar")
    assert again.file.name == first.file.name

    amendment = heard.contributions.get(language="fr")
    amendment.decide(outcome="accepted", by=editor)
    changed = store_report(consultation_id=heard.pk, language="ar")

    assert changed.pk == first.pk
    assert changed.file.name != first.file.name
    response = client.get("/ar/consultation/draft-2-consultation/report.pdf")
    assert response["Content-Language"] == "ar"
    lines = text_lines(b"".join(response.streaming_content))
    assert shows("جامعة القاهرة", lines)


def test_contributors_are_emailed_once_each_when_the_resulting_version_is_published(
    heard, editor, reviewer, publisher, django_capture_on_commit_callbacks, mailoutbox
):
    from principles.drafting import review

    with django_capture_on_commit_callbacks(execute=True):
        review.approve(reviewed=review.submit(reviewed=heard.draft, by=editor), by=reviewer)
        review.publish(reviewed=heard.draft, by=publisher)

    queued = [
        result.args_kwargs["kwargs"]
        for result in DBTaskResult.objects.filter(task_path=send_consultation_email.module_path)
    ]
    # Amina twice (two addresses differing in case), Li, Omar; not the withdrawn, rejected or
    # waiting ones, nor the editor.
    assert sorted(email["to"].lower() for email in queued) == sorted(EMAILS)
    assert {email["to"]: email["language"] for email in queued}[EMAILS[1]] == "fr"
    assert DBTaskResult.objects.filter(task_path=render_consultation_report.module_path).exists()
    heard.refresh_from_db()
    assert tell_contributors(heard) == 0

    french = next(email for email in queued if email["to"] == EMAILS[1])
    send_consultation_email.call(**french)
    message = mailoutbox[-1]
    assert message.to == [EMAILS[1]]
    assert "/fr/versions/2/" in message.body
    assert "/fr/consultation/draft-2-consultation/report/" in message.body


@pytest.mark.parametrize("count", [10, 1000])
def test_the_report_page_reads_the_same_few_queries_however_many_contributed(
    client, consultation, count, page_queries
):
    keys_ = list(keys(consultation).values())
    Contribution.objects.bulk_create(
        Contribution(
            consultation=consultation,
            kind="amendment" if i % 10 == 0 else "comment",
            proposed_text="New text." if i % 10 == 0 else "",
            item_key=keys_[i % len(keys_)],
            body=f"Contribution {i}",
            organisation_type=["ngo", "academia", "government"][i % 3],
            country=["KE", "FR", "BR", "CN"][i % 4],
            language=["en", "fr", "ar"][i % 3],
            status="approved",
        )
        for i in range(count)
    )
    consultation.close()

    # The report (4), and the share card's title and count (3), read once per change.
    with page_queries(4 + 3):
        response = client.get(REPORT)

    assert response.status_code == 200
    assert f"{count} contributions" in response.content.decode()
