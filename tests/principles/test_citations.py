"""Citations never drift: the numbers on `/` cite the version's permalink, whose anchors keep
their words when a newer version is published; the page says how to cite it, on paper too."""

from pathlib import Path

from django.conf import settings as django_settings

from principles.drafting.services import publish_loaded_text
from tests.conftest import declaration_text
from tests.html import parse_strict


def text_of(element) -> str:
    return " ".join("".join(element.itertext()).split())


def citation_links(page) -> list[str]:
    return [
        a.get("href") for a in page.iter("a") if a.get("class") in {"citation", "principle-number"}
    ]


def element_with_id(page, element_id: str):
    return next(element for element in page.iter() if element.get("id") == element_id)


def test_every_number_on_the_current_page_cites_an_anchor_of_the_versions_permalink(
    client, publish
):
    publish(principles=3, action_lines=4)

    links = citation_links(parse_strict(client.get("/").content))
    permalink = parse_strict(client.get("/versions/1/").content)

    assert len(links) == 3 + 3 * 4
    assert "/versions/1/#principle-2" in links
    assert "/versions/1/#principle-2-action-3" in links
    ids = {element.get("id") for element in permalink.iter() if element.get("id")}
    assert {link.removeprefix("/versions/1/#") for link in links} <= ids


def test_on_a_version_page_the_numbers_are_anchors_of_that_page(client, publish):
    publish(principles=2, action_lines=2)

    links = citation_links(parse_strict(client.get("/versions/1/").content))

    assert links == [
        "#principle-1",
        "#principle-1-action-1",
        "#principle-1-action-2",
        "#principle-2",
        "#principle-2-action-1",
        "#principle-2-action-2",
    ]


def test_in_arabic_the_numbers_cite_the_arabic_permalink(client, publish):
    publish(principles=1, action_lines=2)

    links = citation_links(parse_strict(client.get("/ar/").content))

    assert links[1] == "/ar/versions/1/#principle-1-action-1"
    assert client.get("/ar/versions/1/").status_code == 200


def test_a_citation_of_version_1_keeps_its_words_once_version_2_is_published(
    client, declaration, publish, django_capture_on_commit_callbacks
):
    publish(principles=2, action_lines=3)
    first_page = parse_strict(client.get("/").content)
    cited = first_page.find(".//li[@id='principle-1-action-2']")
    citation = cited.find("a").get("href")
    words = text_of(cited.find("p"))
    text = declaration_text(principles=2, action_lines=3)
    text["principles"][0]["action_lines"][1] = "A different action line in its place."
    with django_capture_on_commit_callbacks(execute=True):
        publish_loaded_text(declaration=declaration, text=text)

    path, anchor = citation.split("#")
    cited_again = element_with_id(parse_strict(client.get(path).content), anchor)
    now = parse_strict(client.get("/").content)

    assert citation == "/versions/1/#principle-1-action-2"
    assert text_of(cited_again.find("p")) == words == "Action line 1.2 text."
    assert now.find(".//li[@id='principle-1-action-2']/a").get("href") == (
        "/versions/2/#principle-1-action-2"
    )
    assert text_of(now.find(".//li[@id='principle-1-action-2']/p")) == (
        "A different action line in its place."
    )


def test_cite_this_gives_the_version_date_permalink_and_content_hash(client, publish, settings):
    settings.SITE_URL = "https://declaration.example.org"
    version = publish(principles=1, action_lines=1)

    page = parse_strict(client.get("/").content)
    cite = element_with_id(page, "cite-this")
    citation = text_of(cite.find(".//textarea"))

    assert cite.tag == "details"
    assert cite.get("class") == "cite"
    assert cite.find(".//code[@class='content-hash']").text == version.content_hash
    assert len(version.content_hash) == 64
    assert cite.find(".//time").get("datetime") == version.published_at.strftime("%Y-%m-%d")
    assert cite.find(".//a").get("href") == "https://declaration.example.org/versions/1/"
    published = f"{version.published_at.day} {version.published_at:%B %Y}"
    assert citation == (
        f"Test Declaration, version 1, published {published}. "
        f"https://declaration.example.org/versions/1/ (SHA-256: {version.content_hash})"
    )
    assert cite.find(".//textarea").get("readonly") is not None
    label = cite.find(".//label")
    assert label.get("for") == cite.find(".//textarea").get("id")


def test_in_arabic_the_citation_is_translated_and_its_address_isolated(client, publish):
    version = publish(principles=1, action_lines=1)

    cite = element_with_id(parse_strict(client.get("/ar/").content), "cite-this")
    citation = "".join(cite.find(".//textarea").itertext())

    assert "\u2068http" in citation
    assert f"\u2068{version.content_hash}\u2069" in citation
    assert "published" not in citation
    assert text_of(cite.find("summary")) != "Cite this"


def test_an_earlier_version_page_offers_its_own_citation(client, publish):
    first = publish(principles=1)
    publish(principles=2)

    cite = element_with_id(parse_strict(client.get("/versions/1/").content), "cite-this")

    assert cite.find(".//code[@class='content-hash']").text == first.content_hash
    assert "/versions/1/ " in text_of(cite.find(".//textarea"))


def test_a_printed_page_carries_the_permalink_and_the_date(client, publish, settings):
    settings.SITE_URL = "https://declaration.example.org"
    version = publish(principles=1, action_lines=1)

    page = parse_strict(client.get("/").content)
    printed = page.find(".//p[@class='print-only print-citation']")
    stylesheet = (Path(django_settings.BASE_DIR) / "static/css/site.css").read_text()
    print_rules = stylesheet[stylesheet.index("@media print") :]

    assert text_of(printed) == (
        f"Version 1, published {version.published_at.day} {version.published_at:%B %Y}: "
        "https://declaration.example.org/versions/1/"
    )
    assert ".print-only { display: none; }" in stylesheet
    assert ".print-only { display: block; }" in print_rules
    assert ".print-citation { order: -1;" in print_rules
