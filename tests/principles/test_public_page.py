from itertools import pairwise
from urllib.parse import urlparse

import pytest

from tests.html import parse_strict


def text_of(element) -> str:
    return " ".join("".join(element.itertext()).split())


def test_the_home_page_shows_the_current_version_in_full(client, publish):
    publish(principles=3, action_lines=2)

    page = parse_strict(client.get("/").content)

    assert text_of(page.find(".//h1")) == "Test Declaration"
    assert "Second paragraph of the preamble." in text_of(
        page.find(".//section[@class='preamble']")
    )
    principle_headings = [text_of(h) for h in page.findall(".//section[@class='principle']/h2")]
    assert principle_headings == [f"Principle {n} Principle title {n}" for n in (1, 2, 3)]
    lines = [text_of(li) for li in page.findall(".//ol[@class='action-lines']/li")]
    assert lines[0] == "1.1 Action line 1.1 text."
    assert len(lines) == 6
    assert "How this declaration was made" in text_of(page.find(".//section[@id='about']"))


def test_every_principle_and_action_line_has_a_citable_anchor(client, publish):
    publish(principles=3, action_lines=4)

    page = parse_strict(client.get("/").content)
    ids = {element.get("id") for element in page.iter() if element.get("id")}

    assert {"principle-1", "principle-2", "principle-3"} <= ids
    assert "principle-2-action-3" in ids
    assert {f"principle-{p}-action-{a}" for p in (1, 2, 3) for a in (1, 2, 3, 4)} <= ids
    links = {a.get("href") for a in page.iter("a")}
    assert "#principle-2" in links
    assert "/versions/1/#principle-2-action-3" in links


def test_the_page_is_semantic_with_one_h1_ordered_headings_and_landmarks(client, publish):
    publish()

    page = parse_strict(client.get("/").content)

    assert page.get("lang") == "en"
    assert len(page.findall(".//h1")) == 1
    levels = [int(el.tag[1]) for el in page.iter() if el.tag in {"h1", "h2", "h3", "h4"}]
    assert levels[0] == 1
    assert all(later - earlier <= 1 for earlier, later in pairwise(levels))
    for landmark in ("header", "nav", "main", "footer"):
        assert page.find(f".//{landmark}") is not None, landmark
    assert page.find(".//a[@class='skip-link']").get("href") == "#main"


def test_the_page_needs_no_javascript_and_loads_nothing_from_other_sites(client, publish):
    publish()

    response = client.get("/")
    page = parse_strict(response.content)

    assert page.find(".//script") is None
    for element in page.iter():
        for attribute in ("src", "href"):
            url = element.get(attribute)
            if url and element.tag != "a" and not url.startswith("#"):
                host = urlparse(url).netloc
                assert host in {"", "testserver"}, f"{element.tag} loads {url} from another site"
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_the_page_carries_opengraph_tags_for_sharing(client, publish, settings):
    publish()

    page = parse_strict(client.get("/").content)
    og = {m.get("property"): m.get("content") for m in page.iter("meta") if m.get("property")}

    assert og["og:title"] == "Test Declaration"
    assert og["og:type"] == "article"
    assert og["og:url"] == settings.SITE_URL + "/"
    assert og["og:description"].startswith("We, the signatories, agree.")


@pytest.mark.parametrize(("principles", "action_lines"), [(1, 1), (10, 10)])
def test_the_home_page_runs_a_constant_number_of_queries(
    client, publish, page_queries, principles, action_lines
):
    publish(principles=principles, action_lines=action_lines)

    # 6 for the text, 1 for the count of endorsers; 3 for the share card: the current version
    # and its title, the count of endorsers.
    with page_queries(10):
        response = client.get("/")

    assert response.content.count(b'class="citation"') == principles * action_lines


def test_an_earlier_version_keeps_its_permalink_and_points_to_the_current_one(client, publish):
    publish(principles=2)
    publish(principles=3)

    earlier = client.get("/versions/1/")
    current = client.get("/versions/2/")

    assert earlier.status_code == 200
    assert b"which is not the current version" in earlier.content
    assert earlier.content.count(b'class="principle"') == 2
    assert b"which is not the current version" not in current.content
    assert client.get("/").content.count(b'class="principle"') == 3


def test_the_versions_page_lists_every_published_version(client, publish):
    publish()
    publish()

    page = parse_strict(client.get("/versions/").content)

    links = [a.get("href") for a in page.findall(".//ol[@class='version-list']//a")]
    assert links == ["/versions/2/", "/versions/1/"]


@pytest.mark.parametrize("path", ["/versions/9/", "/versions/0/", "/versions/abc/", "/nowhere"])
def test_an_unknown_version_or_address_gets_the_styled_404_page(client, publish, path):
    publish()

    response = client.get(path)

    assert response.status_code == 404
    page = parse_strict(response.content)
    assert text_of(page.find(".//h1")) == "Page not found"
    assert page.find(".//nav") is not None


def test_a_draft_is_not_shown_to_the_public(client, declaration, publish):
    from principles.drafting.services import create_draft_from_text
    from tests.conftest import declaration_text

    publish()
    create_draft_from_text(declaration=declaration, text=declaration_text(title="Secret draft"))

    assert b"Secret draft" not in client.get("/").content
    assert client.get("/versions/2/").status_code == 404


def test_before_anything_is_published_the_home_page_says_so(client, db):
    response = client.get("/")

    assert response.status_code == 200
    assert b"has not been published yet" in response.content
    parse_strict(response.content)


def test_text_in_the_declaration_is_escaped(client, declaration):
    from principles.drafting.services import publish_loaded_text
    from tests.conftest import declaration_text

    text = declaration_text(title="<script>alert(1)</script>")
    text["principles"][0]["action_lines"][0] = '<img src=x onerror="alert(1)">'
    publish_loaded_text(declaration=declaration, text=text)

    content = client.get("/").content

    assert b"<script>alert(1)" not in content
    assert b"<img src=x" not in content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in content
