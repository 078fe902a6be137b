"""A site that looks like what it is: the name mark, the call to endorse, a footer whose links
work in every language, and a first page light enough for a weak connection."""

import gzip
import io
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command

from declaration_site.checks import source_code_is_offered
from tests.html import parse_strict

LANGUAGES = ["en", "ar", "zh-hans", "fr", "ru", "es"]
BUDGET = 14 * 1024


def prefixed(language: str, path: str) -> str:
    return path if language == "en" else f"/{language}{path}"


def text_of(element) -> str:
    return " ".join("".join(element.itertext()).split())


def test_the_header_shows_the_name_mark_beside_the_site_name(client, publish):
    publish()

    page = parse_strict(client.get("/").content)
    name = page.find(".//header[@class='site-header']//a[@class='site-name']")

    mark = name.find("img")
    assert mark.get("alt") == ""  # the name beside it says it
    assert mark.get("src") == "/static/img/name-mark.svg"
    assert text_of(name) == "Connectivity for Education"
    assert len(Path(finders.find("img/name-mark.svg")).read_bytes()) < 1024


def test_the_site_name_is_in_the_readers_language(client, publish):
    publish()

    page = parse_strict(client.get("/fr/").content)

    assert text_of(page.find(".//a[@class='site-name']")) == "Connectivité pour l'éducation"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_footer_link_works_in_every_language(client, publish, settings, language):
    settings.SOURCE_CODE_URL = "https://code.example.org/declaration-site"
    settings.CONTACT_EMAIL = "team@declaration.example.org"
    publish()

    footer = parse_strict(client.get(prefixed(language, "/")).content).find(".//footer")
    links = [a.get("href") for a in footer.iter("a")]

    assert prefixed(language, "/about/") in links
    assert prefixed(language, "/endorse/privacy/") in links
    assert "mailto:team@declaration.example.org" in links
    assert "https://code.example.org/declaration-site" in links
    assert "https://www.gnu.org/licenses/agpl-3.0.html" in links
    for link in links:
        if not urlparse(link).scheme:
            assert client.get(link).status_code == 200, link


def test_the_contact_address_defaults_to_the_sender_address(client, db):
    page = parse_strict(client.get("/about/").content)

    assert page.find(".//footer//a[@href='mailto:declaration@localhost']") is not None


def test_without_a_source_code_address_the_footer_still_names_the_licence(client, db, settings):
    settings.SOURCE_CODE_URL = ""

    footer = parse_strict(client.get("/about/").content).find(".//footer")

    assert "GNU Affero General Public License" in text_of(footer)
    assert "Source code" not in text_of(footer)


def test_the_about_page_tells_how_the_declaration_was_made_and_what_the_site_is(client, db):
    page = parse_strict(client.get("/ar/about/").content)

    assert page.get("lang") == "ar"
    headings = [text_of(h) for h in page.iter("h2")]
    assert len(headings) == 3
    assert "اليونسكو" in text_of(page.find(".//main"))


def test_the_home_page_keeps_a_short_about_section_that_links_to_the_page(client, publish):
    publish()

    about = parse_strict(client.get("/").content).find(".//section[@id='about']")

    assert len(about.findall("p")) == 2
    assert about.find(".//a[@href='/about/']") is not None


def test_the_privacy_notice_covers_cookies_and_server_logs(client, db):
    page = parse_strict(client.get("/endorse/privacy/").content)
    ids = {h.get("id") for h in page.iter("h2")}

    assert {"endorsing", "consultations", "cookies", "server-logs"} <= ids


def endorse_links(page) -> list:
    return [a for a in page.iter("a") if a.get("href") == "/endorse/"]


def test_the_current_version_calls_to_endorse_under_its_header_and_after_each_principle(
    client, publish
):
    publish(principles=3, action_lines=2)

    page = parse_strict(client.get("/").content)

    call = page.find(".//header[@class='declaration-header']//p[@class='endorse-call']/a")
    assert call.get("href") == "/endorse/"
    assert call.get("class") == "button"
    assert text_of(call) == "Endorse this declaration"
    for principle in page.findall(".//section[@class='principle']"):
        last = principle.findall("*")[-1]
        assert last.get("class") == "endorse-principle"
        assert last.find("a").get("href") == "/endorse/"


def test_an_earlier_version_does_not_call_to_endorse_it(client, publish):
    publish()
    publish()

    earlier = parse_strict(client.get("/versions/1/").content)
    current = parse_strict(client.get("/versions/2/").content)

    assert earlier.find(".//p[@class='endorse-call']") is None
    assert earlier.find(".//p[@class='endorse-principle']") is None
    assert current.find(".//p[@class='endorse-call']") is not None


def first_load(client, path: str) -> dict[str, int]:
    """Each file a browser fetches to show `path`, by address, with its gzip-compressed size:
    the page, its stylesheets, icon and images (the site loads no script and no font)."""
    response = client.get(path)
    assert response.status_code == 200
    page = parse_strict(response.content)
    assert page.find(".//script") is None
    loaded = [
        link.get("href") for link in page.iter("link") if link.get("rel") in {"stylesheet", "icon"}
    ]
    loaded += [image.get("src") for image in page.iter("img")]
    sizes = {path: len(gzip.compress(response.content))}
    for address in loaded:
        sizes[address] = len(gzip.compress(static_file(client, address)))
    return sizes


def static_file(client, address: str) -> bytes:
    if address.startswith("/static/"):
        return Path(finders.find(address.removeprefix("/static/"))).read_bytes()
    response = client.get(address)
    assert response.status_code == 200, address
    return response.content


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_declaration_loads_in_under_14_kb_compressed(client, db, language):
    call_command("load_declaration", stdout=io.StringIO())

    sizes = first_load(client, prefixed(language, "/"))

    assert "/static/img/name-mark.svg" in sizes
    assert not any(".woff" in address or ".ttf" in address for address in sizes)
    assert sum(sizes.values()) < BUDGET, sizes


def test_a_deployment_without_a_source_code_address_is_warned(settings):
    settings.SOURCE_CODE_URL = ""

    (warning,) = source_code_is_offered(None)

    assert warning.id == "declaration_site.W002"
    settings.SOURCE_CODE_URL = "https://code.example.org/declaration-site"
    assert source_code_is_offered(None) == []
