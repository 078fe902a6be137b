"""The public list of endorsers, its figures and charts, and the count on the declaration."""

import pytest
from django.utils import timezone

from endorsements.models import Endorsement
from endorsements.services import reconfirm_endorsement
from tests.html import parse_strict

SVG = "{http://www.w3.org/2000/svg}"


def text_of(element) -> str:
    return " ".join("".join(element.itertext()).split())


def names_on(response) -> list[str]:
    page = parse_strict(response.content)
    return [text_of(h) for h in page.findall(".//li[@class='endorser']/h3")]


def test_only_approved_endorsers_are_listed_without_contact_details(client, make_endorsement):
    make_endorsement(
        name="Listed Org", statement="We commit.", contact_email="private@listed.example"
    )
    for status in ("unconfirmed", "confirmed", "rejected", "spam", "withdrawn"):
        make_endorsement(name=f"{status} org", status=status)

    response = client.get("/endorsers/")

    assert names_on(response) == ["Listed Org"]
    assert b"private@listed.example" not in response.content
    assert b"Contact person" not in response.content
    assert b"We commit." in response.content
    assert b"endorsed v1" in response.content


def test_endorsers_can_be_searched_by_name_and_filtered(client, make_endorsement):
    make_endorsement(name="Université de Genève", country="CH", organisation_type="academia")
    make_endorsement(name="Kenya ICT Board", country="KE", organisation_type="government")
    make_endorsement(name="UNICEF", country="ZZ", organisation_type="intergovernmental")

    assert names_on(client.get("/endorsers/?q=universite")) == ["Université de Genève"]
    assert names_on(client.get("/endorsers/?q=UNIVERSITÉ")) == ["Université de Genève"]
    assert names_on(client.get("/endorsers/?country=KE")) == ["Kenya ICT Board"]
    assert names_on(client.get("/endorsers/?region=international")) == ["UNICEF"]
    assert names_on(client.get("/endorsers/?type=academia")) == ["Université de Genève"]
    assert names_on(client.get("/endorsers/?region=nowhere")) != []


def test_an_invalid_filter_value_is_ignored_alone_and_the_reader_is_told(client, make_endorsement):
    make_endorsement(name="Kenya ICT Board", country="KE", organisation_type="government")
    make_endorsement(name="Kenya Schools Trust", country="KE", organisation_type="foundation")
    make_endorsement(name="Uganda ICT Board", country="UG", organisation_type="government")

    response = client.get("/endorsers/?country=KE&type=nonsense&region=<b>nowhere</b>")

    assert sorted(names_on(response)) == ["Kenya ICT Board", "Kenya Schools Trust"]
    notice = text_of(parse_strict(response.content).find(".//div[@role='status']"))
    assert "Type: “nonsense” is not valid here, so it was ignored." in notice
    assert "Region: “<b>nowhere</b>” is not valid here" in notice
    assert "Country" not in notice
    assert names_on(client.get("/endorsers/?country=KE&type=government&q=" + "x" * 201)) == [
        "Kenya ICT Board"
    ]


def test_the_list_is_paginated_with_stable_urls_that_keep_the_filters(client, make_endorsement):
    for number in range(60):
        make_endorsement(name=f"Org {number:02}", country="KE")

    first = client.get("/endorsers/?country=KE")
    second = client.get("/endorsers/?country=KE&page=2")

    assert len(names_on(first)) == 50
    assert len(names_on(second)) == 10
    assert not set(names_on(first)) & set(names_on(second))
    assert b'href="?country=KE&amp;page=2"' in first.content
    assert names_on(client.get("/endorsers/?country=KE&page=2")) == names_on(second)
    with_a_bad_filter = client.get("/endorsers/?country=KE&type=nonsense")
    assert b'href="?country=KE&amp;page=2"' in with_a_bad_filter.content


def test_the_list_shows_totals_counts_and_accessible_charts(client, make_endorsement):
    make_endorsement(country="KE", organisation_type="ngo")
    make_endorsement(country="FR", organisation_type="ngo")
    make_endorsement(country="FR", organisation_type="academia")

    page = parse_strict(client.get("/endorsers/").content)

    assert "3 organisations have endorsed" in text_of(page.find(".//main"))
    charts = page.findall(f".//{SVG}svg[@role='img']")
    assert len(charts) == 2
    for chart in charts:
        assert chart.get("role") == "img"
        assert chart.find(f"{SVG}title") is not None
    region_description = text_of(page.find(f".//{SVG}desc[@id='by-region-svg-desc']"))
    assert "Africa: 1" in region_description
    assert "Europe: 2" in region_description
    tables = {text_of(t.find("caption")): t for t in page.findall(".//table[caption]")}
    by_type = {
        text_of(row.find("th")): text_of(row.find("td"))
        for row in tables["Endorsers by type of organisation"].iter("tr")
    }
    assert by_type["NGO or civil society"] == "2"
    assert by_type["Academia or research"] == "1"


def approve_in_bulk(version, count: int) -> None:
    now = timezone.now()
    Endorsement.objects.bulk_create(
        Endorsement(
            organisation_name=f"Organisation {n}",
            name_key=f"organisation {n}",
            organisation_type="ngo",
            country="FR",
            region="europe",
            version=version,
            content_hash=version.content_hash,
            status=Endorsement.Status.APPROVED,
            approved_at=now,
        )
        for n in range(count)
    )


@pytest.mark.parametrize("count", [10, 10_000])
def test_the_list_runs_a_constant_number_of_queries(client, version, page_queries, count):
    approve_in_bulk(version, count)

    # Page and its count, action lines, current version, totals, and by type, region, trust
    # level, country and hour; and the share card's title and count (3), read once per change.
    with page_queries(13):
        response = client.get("/endorsers/?page=2")

    assert response.status_code == 200


@pytest.mark.parametrize("count", [10, 10_000])
def test_the_declaration_shows_the_count_in_a_constant_number_of_queries(
    client, version, page_queries, count
):
    approve_in_bulk(version, count)

    # The text and the count (7), and the share card's title and count (3).
    with page_queries(10):
        response = client.get("/")

    page = parse_strict(response.content)
    counter = page.find(".//p[@class='endorser-count']")
    assert f"{count} organisations have endorsed the declaration." in text_of(counter)
    assert counter.find(".//a[@href='/endorsers/']") is not None


def test_each_version_page_shows_how_many_endorsed_that_version(
    client, version, publish, make_endorsement
):
    make_endorsement()
    reconfirming = make_endorsement()
    second = publish()
    reconfirm_endorsement(endorsement=reconfirming, version=second)

    earlier = parse_strict(client.get("/versions/1/").content)
    current = parse_strict(client.get("/").content)

    assert "2 organisations endorsed version 1." in text_of(
        earlier.find(".//p[@class='endorser-count']")
    )
    assert (
        "2 organisations have endorsed the declaration. 1 of them endorses the current version (2)."
    ) in text_of(current.find(".//p[@class='endorser-count']"))


def test_an_endorser_counts_for_every_version_they_reconfirmed(
    client, version, publish, make_endorsement
):
    endorsement = make_endorsement()
    for _ in range(2):
        reconfirm_endorsement(endorsement=endorsement, version=publish())

    second = parse_strict(client.get("/versions/2/").content)

    assert "1 organisation endorsed version 2." in text_of(
        second.find(".//p[@class='endorser-count']")
    )
    assert b"endorsed v1, reconfirmed v3" in client.get("/endorsers/").content
