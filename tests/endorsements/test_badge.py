"""The "We endorse" badge, `/endorsers/<public id>/badge.svg`, that endorsers show on their
own sites."""

import xml.etree.ElementTree as ElementTree

import pytest

from endorsements.services import withdraw_endorsement

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def endorser(make_endorsement):
    return make_endorsement("Escuelas Conectadas", country="PE")


def badge_of(client, endorsement, query="", language_prefix=""):
    return client.get(f"{language_prefix}/endorsers/{endorsement.public_id}/badge.svg{query}")


def drawn(response) -> ElementTree.Element:
    """The badge parsed as XML: a parser refuses anything an SVG cannot hold."""
    return ElementTree.fromstring(response.content)


def texts(svg) -> list[str]:
    return [element.text for element in svg.iter(f"{SVG}text")]


def test_the_badge_is_an_svg_that_names_the_organisation_and_the_declaration(client, endorser):
    response = badge_of(client, endorser)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    svg = drawn(response)
    assert svg.tag == f"{SVG}svg"
    assert svg.get("role") == "img"
    assert svg.find(f"{SVG}title").text == "Escuelas Conectadas endorses “Test Declaration”"
    assert texts(svg) == ["We endorse", "Test Declaration", "Escuelas Conectadas"]


def test_the_badge_forbids_scripts_and_sniffing_and_may_be_kept(client, endorser):
    response = badge_of(client, endorser)

    assert response["Content-Security-Policy"] == (
        "default-src 'none'; frame-ancestors 'none'; sandbox"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "public, max-age=600"


def test_the_dark_badge_has_a_dark_background(client, endorser):
    light = drawn(badge_of(client, endorser)).find(f"{SVG}rect").get("fill")
    dark = drawn(badge_of(client, endorser, "?theme=dark")).find(f"{SVG}rect").get("fill")

    assert (light, dark) == ("#ffffff", "#1b1f24")
    assert badge_of(client, endorser, "?theme=light").content == badge_of(client, endorser).content
    assert badge_of(client, endorser, "?theme=").content == badge_of(client, endorser).content


@pytest.mark.parametrize(
    "query",
    ["?theme=blue", "?theme=<script>", "?theme=DARK", "?theme=dark&theme=blue", "?theme=%00"],
)
def test_any_other_theme_is_not_found_and_never_echoed(client, endorser, query):
    response = badge_of(client, endorser, query)

    assert response.status_code == 404
    assert b"script" not in response.content
    assert b"blue" not in response.content


def test_the_badge_is_served_from_the_cache(client, endorser, page_queries):
    badge_of(client, endorser)

    with page_queries(0):
        response = badge_of(client, endorser, "?theme=light")

    assert response.status_code == 200
    assert response["Content-Security-Policy"].startswith("default-src 'none'")


@pytest.mark.parametrize(
    "name",
    [
        "<script>alert(1)</script>",
        "Schools ]]> <![CDATA[ & co",
        "Evil\u202eSchool\u2066 \u200fname",
        "Écoles 🌍🇵🇪 connectées",
        "جمعية التعليم للجميع",
        "Quote \" and ' apostrophe",
        "Bell\x07 and form\x0cfeed",
    ],
)
def test_a_hostile_or_foreign_name_is_drawn_as_text(client, make_endorsement, name):
    endorsement = make_endorsement(name)

    response = badge_of(client, endorsement)

    svg = drawn(response)
    assert svg.find(f".//{SVG}script") is None
    shown = texts(svg)[-1]
    for control in "\u202e\u2066\u200f\x07\x0c":
        assert control not in shown
    if name.startswith("<script>"):
        assert shown == "<script>alert(1)</script>"
        assert b"<script>" not in response.content
    if name.startswith("Écoles"):
        assert shown == "Écoles 🌍🇵🇪 connectées"
    if name.startswith("جمعية"):
        assert shown == name


def test_a_long_name_is_cut_to_fit(client, make_endorsement):
    endorsement = make_endorsement("International Federation of " + "Rural Schools " * 12)

    shown = texts(drawn(badge_of(client, endorsement)))[-1]

    assert shown.endswith("…")
    assert len(shown) <= 44


def test_the_badge_speaks_the_language_of_its_address(client, endorser):
    svg = drawn(badge_of(client, endorser, language_prefix="/fr"))

    assert texts(svg)[0] == "Nous soutenons"


def test_the_arabic_badge_reads_right_to_left(client, endorser):
    svg = drawn(badge_of(client, endorser, language_prefix="/ar"))

    assert svg.get("direction") == "rtl"


def test_a_withdrawn_endorser_has_no_badge(client, endorser, django_capture_on_commit_callbacks):
    assert badge_of(client, endorser).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        withdraw_endorsement(endorsement=endorser)

    response = badge_of(client, endorser)

    assert response.status_code == 410
    assert b"Escuelas Conectadas" not in response.content


@pytest.mark.parametrize("status", ["unconfirmed", "confirmed", "rejected", "spam"])
def test_an_endorsement_never_approved_has_no_badge(client, make_endorsement, status):
    assert badge_of(client, make_endorsement(status=status)).status_code == 404


def test_an_unknown_id_has_no_badge(client, endorser):
    assert client.get("/endorsers/000000000000/badge.svg").status_code == 404
    assert client.get(f"/endorsers/{'a' * 3000}/badge.svg").status_code == 404


def test_only_get_and_head_are_answered(client, endorser):
    assert client.head(f"/endorsers/{endorser.public_id}/badge.svg").status_code == 200
    assert client.options(f"/endorsers/{endorser.public_id}/badge.svg").status_code == 405
