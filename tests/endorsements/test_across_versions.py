"""Endorsers across versions: publishing a new version keeps every current endorser counted,
listed and in the PDF, marked with the version each endorsed, until they reconfirm; the
reconfirm page shows what changed and carries their commitments over."""

import csv
import io
import json

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from endorsements.models import Endorsement
from endorsements.services import reconfirm_endorsement, withdraw_endorsement
from principles.drafting import review
from principles.drafting.services import (
    add_item,
    remove_item,
    save_item_text,
    start_draft,
)
from principles.models import ActionLine, DeclarationPdf
from principles.pdf.render import pdf_to_serve
from tests.html import csrf_token, parse_strict, submit
from tests.principles.conftest import TRANSLATIONS, add_translation
from tests.principles.pdf.pdf_reading import shows, text_lines

SVG = "{http://www.w3.org/2000/svg}"


def text_of(element) -> str:
    return " ".join("".join(element.itertext()).split())


def line(version, principle: int, position: int) -> ActionLine:
    return ActionLine.objects.get(
        principle__version=version, principle__position=principle, position=position
    )


@pytest.fixture
def endorsers(version, make_endorsement, approve):
    """Three organisations that endorsed version 1 and were approved by a moderator; the first
    committed to action lines 1.1, 2.2 and 3.1."""
    made = []
    for name, country in [
        ("Escuelas Conectadas", "PE"),
        ("جمعية التعليم للجميع", "EG"),
        ("连接学校基金会", "CN"),
    ]:
        endorsement = make_endorsement(name, country=country, status="confirmed")
        approve(endorsement)
        made.append(endorsement)
    made[0].action_lines.set([line(version, 1, 1), line(version, 2, 2), line(version, 3, 1)])
    return made


@pytest.fixture
def second(version, declaration):
    """Version 2, drafted from version 1: action line 1.1 reworded, 2.2 removed, 3.3 added;
    with an Arabic translation."""
    editor = User.objects.create_user("editor")
    draft = start_draft(declaration=declaration, by=editor)

    def base(item):
        return review.latest_revision_id(of=draft, item_key=str(item.key))

    reworded = line(draft, 1, 1)
    save_item_text(
        item=reworded,
        by=editor,
        values={"text": "Action line 1.1 text, reworded for every school."},
        base_revision=base(reworded),
    )
    removed = line(draft, 2, 2)
    remove_item(item=removed, by=editor, base_revision=base(removed))
    add_item(to=draft.principles.get(position=3), by=editor, text={"text": "A new line."})
    add_translation(draft, "ar", TRANSLATIONS["ar"])
    review.submit(reviewed=draft, by=editor)
    review.approve(reviewed=draft, by=User.objects.create_user("reviewer"))
    return review.publish(reviewed=draft, by=User.objects.create_user("publisher"))


@pytest.fixture
def reconfirm(django_capture_on_commit_callbacks):
    """`reconfirm(endorsement, version)` with the service, as the reconfirm page does; what
    follows the commit (fresh pages and PDFs) happens at once."""

    def run(endorsement, version, **commitments):
        with django_capture_on_commit_callbacks(execute=True):
            return reconfirm_endorsement(endorsement=endorsement, version=version, **commitments)

    return run


def reconfirm_link(endorsement, version) -> str:
    """The link that the email asking to reconfirm for `version` carries."""
    return reverse(
        "endorsements:reconfirm", args=[endorsement.link_token("reconfirm", v=version.pk)]
    )


def count_on(client, path: str) -> str:
    page = parse_strict(client.get(path).content)
    return text_of(page.find(".//p[@class='endorser-count']"))


def test_after_a_new_version_the_home_page_counts_every_endorser_and_who_endorsed_it(
    client, endorsers, reconfirm, second
):
    assert count_on(client, "/").startswith(
        "3 organisations have endorsed the declaration. 0 of them endorse the current version (2)."
    )

    reconfirm(endorsers[1], second)

    assert count_on(client, "/").startswith(
        "3 organisations have endorsed the declaration. 1 of them endorses the current version (2)."
    )


def test_with_a_single_version_the_count_says_nothing_about_versions(client, endorsers):
    assert count_on(client, "/").startswith("3 organisations have endorsed the declaration. See")


def test_the_list_counts_every_endorser_and_charts_them_by_version_endorsed(
    client, endorsers, reconfirm, second
):
    reconfirm(endorsers[1], second)

    page = parse_strict(client.get("/endorsers/").content)

    lead = text_of(page.find(".//p[@class='lead']"))
    assert lead.startswith(
        "3 organisations have endorsed the declaration. 1 of them endorses the current version (2)."
    )
    listed = [text_of(item) for item in page.iterfind(".//li[@class='endorser']")]
    assert all("endorsed v1" in item for item in listed)
    assert sorted("endorsed v1, reconfirmed v2" in item for item in listed) == [False, False, True]
    description = page.find(f".//{SVG}desc[@id='by-version-svg-desc']")
    assert text_of(description) == "Version 1: 2; Version 2: 1"


def test_the_count_for_embedding_gives_every_endorser_and_the_split_by_version(
    client, endorsers, reconfirm, second
):
    reconfirm(endorsers[0], second)

    assert client.get("/endorsers/count.json").json() == {
        "endorsers": 3,
        "current_version": 2,
        "endorsers_of_current_version": 1,
        "endorsers_by_latest_version": {"1": 2, "2": 1},
    }


def test_the_open_data_give_the_latest_version_each_endorsed(client, endorsers, reconfirm, second):
    reconfirm(endorsers[0], second)

    content = b"".join(client.get("/endorsers.csv").streaming_content).decode()
    rows = {row["organisation_name"]: row for row in csv.DictReader(io.StringIO(content))}
    versions = {name: row["latest_version"] for name, row in rows.items()}
    json_rows = json.loads(b"".join(client.get("/endorsers.json").streaming_content))["endorsers"]

    assert versions == {
        "Escuelas Conectadas": "2",
        "جمعية التعليم للجميع": "1",
        "连接学校基金会": "1",
    }
    assert rows["Escuelas Conectadas"]["version_endorsed"] == "1"
    assert rows["Escuelas Conectadas"]["version_reconfirmed"] == "2"
    assert {row["organisation_name"]: row["latest_version"] for row in json_rows} == {
        name: int(number) for name, number in versions.items()
    }


def served_lines(version, language="en") -> list[str]:
    pdf = pdf_to_serve(version=version, language=language)
    with pdf.file.open("rb") as stored:
        return [" ".join(line.split()) for line in text_lines(stored.read())]


def words(lines: list[str]) -> str:
    return " ".join(lines)


def line_of(name: str, lines: list[str]) -> str:
    [found] = [text for text in lines if shows(name, [text])]
    return found


def test_the_pdf_of_the_new_version_lists_every_endorser_and_marks_until_they_reconfirm(
    client, endorsers, reconfirm, pdf_settings, version, second
):
    first_pdf = pdf_to_serve(version=version)
    downloaded = b"".join(client.get("/declaration.pdf").streaming_content)
    lines = [" ".join(line.split()) for line in text_lines(downloaded)]

    assert "3 organisations from 3 countries endorse the declaration" in words(lines)
    assert "0 of them endorsed this version" in words(lines)
    assert "† 3 organisations endorsed version 1 and have not yet endorsed this one." in lines
    for endorser in endorsers:
        assert "†" in line_of(endorser.organisation_name, lines), endorser

    reconfirm(endorsers[0], second)

    refreshed = served_lines(second)
    assert "1 of them endorsed this version" in words(refreshed)
    assert "† 2 organisations endorsed version 1 and have not yet endorsed this one." in refreshed
    assert "†" not in line_of("Escuelas Conectadas", refreshed)
    assert "†" in line_of("连接学校基金会", refreshed)
    # Version 1's list did not change: its PDF was found again, not rendered anew.
    assert pdf_to_serve(version=version).pk == first_pdf.pk
    assert DeclarationPdf.objects.filter(version=version).count() == 1


def test_the_arabic_pdf_of_the_new_version_marks_the_earlier_ones_too(
    endorsers, pdf_settings, second
):
    lines = served_lines(second, "ar")

    assert any("†" in text for text in lines)
    assert shows("Escuelas Conectadas", lines)
    assert shows("连接学校基金会", lines)


def test_an_approval_of_an_earlier_version_renders_the_later_versions_pdf_too(
    version, make_endorsement, approve, pdf_settings, second
):
    waiting = make_endorsement("Late Approval Org", status="confirmed")
    pdf_to_serve(version=second)

    approve(waiting)

    assert shows("Late Approval Org", served_lines(second))


def test_the_reconfirm_page_shows_what_changed_and_the_commitments_still_there(
    client, endorsers, second
):
    response = client.get(reconfirm_link(endorsers[0], second))

    page = parse_strict(response.content)
    main = text_of(page.find(".//main"))
    assert "What changed from version 1 to version 2" in main
    assert "reworded for every school" in text_of(page.find(".//ins"))
    checked = {
        box.get("value")
        for box in page.iterfind(".//input[@type='checkbox']")
        if box.get("checked") is not None
    }
    # 1.1 (reworded) and 3.1 carry over; 2.2 was removed, and the page says so.
    assert checked == {str(line(second, 1, 1).pk), str(line(second, 3, 1).pk)}
    assert "You committed to action line 2.2 of version 1, which version 2 no longer has." in main


def test_reconfirming_saves_the_commitments_chosen_among_the_new_action_lines(
    client, endorsers, second
):
    chosen = [line(second, 1, 1).pk, line(second, 3, 3).pk]

    response = submit(client, reconfirm_link(endorsers[0], second), {"action_lines": chosen})

    assert response.status_code == 200
    endorsement = Endorsement.objects.get(pk=endorsers[0].pk)
    assert endorsement.reconfirmed_version == second
    assert sorted(endorsement.action_lines.values_list("pk", flat=True)) == sorted(chosen)
    assert "1.1, 3.3" in text_of(parse_strict(client.get("/endorsers/").content).find(".//main"))


def test_reconfirming_with_the_commitments_as_offered_carries_them_over(client, endorsers, second):
    link = reconfirm_link(endorsers[0], second)
    offered = parse_strict(client.get(link).content)
    checked = [
        box.get("value")
        for box in offered.iterfind(".//input[@type='checkbox']")
        if box.get("checked") is not None
    ]

    submit(client, link, {"action_lines": checked})

    assert set(Endorsement.objects.get(pk=endorsers[0].pk).action_lines.all()) == {
        line(second, 1, 1),
        line(second, 3, 1),
    }


def test_a_line_posted_twice_is_one_commitment(client, endorsers, second):
    kept = line(second, 3, 1).pk
    link = reconfirm_link(endorsers[0], second)
    token = csrf_token(client.get(link))

    response = client.post(
        link, {"action_lines": [str(kept), str(kept)], "csrfmiddlewaretoken": token}
    )

    assert response.status_code == 200
    endorsement = Endorsement.objects.get(pk=endorsers[0].pk)
    assert endorsement.reconfirmed_version == second
    assert list(endorsement.action_lines.values_list("pk", flat=True)) == [kept]


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(["999999"], id="an unknown id"),
        pytest.param(["²"], id="not a number"),
        pytest.param("first version", id="a line of the earlier version"),
    ],
)
def test_bad_commitments_are_refused_with_a_message_and_change_nothing(
    client, endorsers, version, second, bad
):
    kept = line(second, 3, 1).pk
    if bad == "first version":
        bad = [str(line(version, 1, 2).pk)]
    link = reconfirm_link(endorsers[0], second)
    token = csrf_token(client.get(link))

    response = client.post(link, {"action_lines": [str(kept), *bad], "csrfmiddlewaretoken": token})

    assert response.status_code == 400
    summary = text_of(parse_strict(response.content).find(".//div[@role='alert']"))
    assert "is not in this version" in summary
    endorsement = Endorsement.objects.get(pk=endorsers[0].pk)
    assert endorsement.reconfirmed_version is None
    assert endorsement.action_lines.count() == 3
    page = parse_strict(response.content)
    assert str(kept) in {
        box.get("value")
        for box in page.iterfind(".//input[@type='checkbox']")
        if box.get("checked") is not None
    }


def test_the_service_refuses_action_lines_of_another_version(endorsers, version, second):
    from endorsements.models import EndorsementStateError

    with pytest.raises(EndorsementStateError):
        reconfirm_endorsement(
            endorsement=endorsers[0], version=second, action_line_ids=[line(version, 1, 1).pk]
        )

    assert Endorsement.objects.get(pk=endorsers[0].pk).reconfirmed_version is None


def test_a_withdrawn_endorser_disappears_from_the_count_the_list_the_data_and_the_pdf(
    client, endorsers, pdf_settings, second, django_capture_on_commit_callbacks
):
    pdf_to_serve(version=second)
    with django_capture_on_commit_callbacks(execute=True):
        withdraw_endorsement(endorsement=endorsers[2])

    assert count_on(client, "/").startswith("2 organisations have endorsed the declaration.")
    assert "连接学校基金会" not in client.get("/endorsers/").content.decode()
    assert client.get("/endorsers/count.json").json()["endorsers_by_latest_version"] == {
        "1": 2,
        "2": 0,
    }
    assert "连接学校基金会" not in b"".join(client.get("/endorsers.csv").streaming_content).decode()
    lines = served_lines(second)
    assert not shows("连接学校基金会", lines)
    assert "† 2 organisations endorsed version 1 and have not yet endorsed this one." in lines
