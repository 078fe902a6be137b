"""The world map on /endorsers/ and the breakdown by country beside it."""

import re

import pytest
from django.utils import timezone

from endorsements.models import Endorsement
from endorsements.statistics import map as world
from tests.html import parse_strict

SVG = "{http://www.w3.org/2000/svg}"
LABEL = re.compile(r"^(?P<name>.+): (?P<count>\d+) endorsers?$")


def text_of(element) -> str:
    return " ".join("".join(element.itertext()).split())


def the_map(page):
    return page.find(f".//{SVG}svg[@class='map']")


def map_counts(page) -> dict[str, tuple[str, int]]:
    """{href: (country name, count)} read from each linked country's title."""
    counts = {}
    for link in the_map(page).iter(f"{SVG}a"):
        found = LABEL.match(text_of(link.find(f"{SVG}title")))
        counts[link.get("href")] = (found["name"], int(found["count"]))
    return counts


def table_counts(page) -> dict[str, tuple[str, int]]:
    """{href: (country name, count)} read from the breakdown table, in its order."""
    return {
        row.find(".//a").get("href"): (text_of(row.find("th")), int(text_of(row.find("td"))))
        for row in page.find(".//table[@id='by-country']/tbody").iter("tr")
    }


@pytest.fixture
def spread(make_endorsement):
    for country, count in {"FR": 3, "KE": 2, "BR": 1, "MT": 2, "ZZ": 1}.items():
        for _ in range(count):
            make_endorsement(country=country)
    make_endorsement(country="US", status="confirmed")


def test_the_maps_numbers_equal_the_breakdown_tables(client, spread):
    page = parse_strict(client.get("/endorsers/").content)

    on_map, in_table = map_counts(page), table_counts(page)

    assert on_map == {href: in_table[href] for href in on_map}
    assert on_map["/endorsers/?country=FR"] == ("France", 3)
    assert on_map["/endorsers/?country=KE"] == ("Kenya", 2)
    # Malta is too small for the 1:110m shapes, and "International" is no country: both are
    # in the table.
    assert set(in_table) - set(on_map) == {"/endorsers/?country=MT", "/endorsers/?country=ZZ"}
    assert sum(count for _name, count in in_table.values()) == 9


def test_the_breakdown_by_country_is_sorted_by_count_then_name(client, spread):
    page = parse_strict(client.get("/endorsers/").content)

    assert list(table_counts(page).values()) == [
        ("France", 3),
        ("Kenya", 2),
        ("Malta", 2),
        ("Brazil", 1),
        ("International", 1),
    ]


def test_each_country_on_the_map_links_to_the_list_filtered_to_it(client, spread):
    page = parse_strict(client.get("/endorsers/").content)
    (href,) = [href for href in map_counts(page) if href.endswith("=KE")]

    listed = parse_strict(client.get(href).content)

    assert "2 endorsers found" in text_of(listed.find(".//h2[@id='results-title']"))


def test_countries_without_endorsers_are_grey_shapes_with_no_link(client, spread):
    page = parse_strict(client.get("/endorsers/").content)
    svg = the_map(page)

    grey = [path for path in svg.iter(f"{SVG}path") if path.get("class") == "map-0"]
    linked = list(svg.iter(f"{SVG}a"))

    assert len(linked) == 3  # France, Kenya, Brazil; the confirmed US endorser is not public
    assert len(grey) == len(world.shapes()) - 3
    assert svg.get("role") == "group"
    assert text_of(svg.find(f"{SVG}title")).startswith("Map of the world")


def test_the_colours_go_by_steps_shown_in_a_legend(client, make_endorsement):
    for country, count in {"FR": 12, "KE": 1, "BR": 3}.items():
        for _ in range(count):
            make_endorsement(country=country)

    page = parse_strict(client.get("/endorsers/").content)
    classes = {
        link.get("href")[-2:]: link.find(f"{SVG}path").get("class")
        for link in the_map(page).iter(f"{SVG}a")
    }
    legend = [text_of(item) for item in page.findall(".//ul[@class='map-legend']/li")]

    assert legend == ["none", "1", "2", "3", "4", "5\u201312"]
    assert classes == {"FR": "map-5", "KE": "map-1", "BR": "map-3"}


@pytest.mark.parametrize(
    ("largest", "bounds"),
    [
        (0, []),
        (1, [1]),
        (5, [1, 2, 3, 4, 5]),
        (7, [1, 2, 3, 4, 5]),
        (10_000, [1, 5, 20, 200, 1000]),
    ],
)
def test_colour_steps_are_round_numbers_on_a_logarithmic_scale(largest, bounds):
    assert world.steps(largest) == bounds


def test_the_map_is_small_and_has_no_script(client, make_endorsement):
    make_endorsement(country="FR")

    page = client.get("/endorsers/").content.decode()
    svg = page[
        page.index('<svg class="map"') : page.index("</svg>", page.index('<svg class="map"'))
    ]

    assert len(svg.encode()) < 30_000
    assert "<script" not in svg
    assert re.search(r'd="M\d+ \d+l', svg)  # whole numbers, relative moves


def test_the_map_speaks_the_readers_language(client, make_endorsement):
    make_endorsement(country="DE")

    page = parse_strict(client.get("/ar/endorsers/").content)

    (link,) = the_map(page).iter(f"{SVG}a")
    assert link.get("href") == "/ar/endorsers/?country=DE"
    assert "ألمانيا" in text_of(link.find(f"{SVG}title"))


def test_the_map_follows_an_approval_once_it_commits(client, make_endorsement, approve):
    make_endorsement(country="FR")
    waiting = make_endorsement(country="KE", status="confirmed")
    client.get("/endorsers/")

    approve(waiting)

    page = parse_strict(client.get("/endorsers/").content)
    assert map_counts(page)["/endorsers/?country=KE"] == ("Kenya", 1)


def test_with_no_endorser_the_map_gives_way_to_a_sentence(client, version):
    page = parse_strict(client.get("/endorsers/").content)

    assert the_map(page) is None
    assert page.find(".//table[@id='by-country']") is None


def test_the_map_is_assembled_once_per_change_not_per_page(client, make_endorsement, monkeypatch):
    make_endorsement(country="FR")
    calls = []
    assemble = world.world_map
    monkeypatch.setattr(
        "endorsements.views.world_map", lambda counts: calls.append(1) or assemble(counts)
    )

    for address in ("/endorsers/", "/endorsers/?country=FR", "/endorsers/?type=ngo"):
        assert client.get(address).status_code == 200

    assert len(calls) == 1


def approve_in_150_countries(version, count: int) -> None:
    codes = sorted(shape.code for shape in world.shapes() if shape.code)[:150]
    now = timezone.now()
    Endorsement.objects.bulk_create(
        Endorsement(
            organisation_name=f"Organisation {n}",
            name_key=f"organisation {n}",
            organisation_type="ngo",
            country=codes[n % len(codes)],
            region="europe",
            version=version,
            content_hash=version.content_hash,
            status=Endorsement.Status.APPROVED,
            confirmed_at=now,
            approved_at=now,
        )
        for n in range(count)
    )


@pytest.mark.parametrize("count", [10, 10_000])
def test_the_list_with_its_map_runs_a_constant_number_of_queries(
    client, version, page_queries, count
):
    approve_in_150_countries(version, count)

    # Page and its count, action lines, current version, totals, and by type, region, trust
    # level, country and hour; and the share card's title and count (3), read once per change.
    with page_queries(13):
        response = client.get("/endorsers/")

    page = parse_strict(response.content)
    assert len(map_counts(page)) == min(count, 150)
    assert sum(count for _name, count in table_counts(page).values()) == count
