"""Sharing: every public page has a description and a share card (a PNG drawn from its title and
the count of endorsers), and the declaration offers plain links to share it."""

import io
import re
import socket
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connections
from django.test import Client
from django.utils import timezone, translation
from PIL import Image

from declaration_site import public_cache
from declaration_site.settings import cache_from_url
from declaration_site.share import cards
from declaration_site.share.cards import Card, draw
from tests.html import parse_strict

PUBLIC_PATHS = [
    "/",
    "/versions/",
    "/versions/1/",
    "/versions/1/compare/2/",
    "/verify/",
    "/endorse/",
    "/endorse/check-your-email/",
    "/endorse/privacy/",
    "/endorse/new-link/",
    "/endorse/withdraw/",
    "/endorse/manage/",
    "/endorsers/",
    "/endorsers/?country=FR",
    "/endorsers/{endorser}/",
    "/consultation/",
]
ARABIC_LETTERS = re.compile("[\u0621-\u064a]")
# Two cards are told apart by more than a few pixels of anti-aliasing.
DIFFERENT_PIXELS = 200


@pytest.fixture
def site(publish, settings):
    """Two published versions, so that every public page has something to show."""
    settings.SITE_URL = "https://declaration.example.org"
    publish(principles=2, action_lines=2)
    return publish(principles=3, action_lines=2)


@pytest.fixture
def make_endorser(site):
    from endorsements.models import Endorsement

    def make(name: str, status: str = "approved") -> Endorsement:
        endorsement = Endorsement(
            organisation_type="ngo",
            contact_name="Contact person",
            contact_role="Director",
            contact_email=f"contact@{name.lower().replace(' ', '')}.example.org",
            version=site,
            content_hash=site.content_hash,
            status=status,
            confirmed_at=timezone.now(),
            approved_at=timezone.now() if status == "approved" else None,
        )
        endorsement.set_organisation(name=name, country="FR")
        endorsement.save()
        return endorsement

    return make


def metas(page, name: str) -> list[str]:
    return [
        element.get("content")
        for element in page.iter("meta")
        if name in {element.get("name"), element.get("property")}
    ]


def card_of(client, page) -> tuple[str, bytes]:
    """The page's og:image address and the PNG it answers."""
    (url,) = metas(page, "og:image")
    response = client.get(urlsplit(url).path)
    assert response.status_code == 200, url
    assert response["Content-Type"] == "image/png"
    return url, response.content


def pixels_apart(one: bytes, other: bytes) -> int:
    first, second = (Image.open(io.BytesIO(png)).convert("L") for png in (one, other))
    return sum(
        1
        for a, b in zip(first.get_flattened_data(), second.get_flattened_data(), strict=True)
        if a != b
    )


@pytest.mark.parametrize("language", ["", "/ar"])
@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_every_public_page_has_one_description_in_its_language_and_a_png_share_card(
    client, make_endorser, path, language
):
    endorser = make_endorser("Escuelas Conectadas")
    response = client.get(language + path.format(endorser=endorser.public_id))

    assert response.status_code == 200
    page = parse_strict(response.content)
    (description,) = metas(page, "description")
    assert description.strip()
    assert bool(ARABIC_LETTERS.search(description)) == (language == "/ar")
    assert metas(page, "twitter:card") == ["summary_large_image"]
    _url, png = card_of(client, page)
    assert len(png) < 100_000
    image = Image.open(io.BytesIO(png))
    image.load()
    assert (image.format, image.size) == ("PNG", (1200, 630))


@pytest.mark.parametrize("language", ["", "/ar"])
def test_a_missing_page_has_a_description_and_the_declarations_card(client, site, language):
    response = client.get(f"{language}/no-such-page/")

    assert response.status_code == 404
    page = parse_strict(response.content)
    (description,) = metas(page, "description")
    assert bool(ARABIC_LETTERS.search(description)) == (language == "/ar")
    card_of(client, page)


def test_staff_pages_have_no_description_nor_card(client, site):
    page = parse_strict(client.get("/accounts/login/").content)

    assert metas(page, "description") == metas(page, "og:image") == []


def test_the_card_changes_when_an_endorsement_is_approved_and_the_old_address_leads_to_it(
    client, make_endorser, approve
):
    before, before_png = card_of(client, parse_strict(client.get("/").content))

    approve(make_endorser("Open Schools Network", status="confirmed"))

    after, after_png = card_of(client, parse_strict(client.get("/").content))
    assert after != before
    assert pixels_apart(before_png, after_png) > DIFFERENT_PIXELS
    old = client.get(urlsplit(before).path)
    assert (old.status_code, old["Location"]) == (302, after)


def test_a_card_is_drawn_once_then_served_from_the_cache_without_queries(
    client, site, page_queries, monkeypatch
):
    drawn = []
    monkeypatch.setattr(cards, "draw", lambda card: drawn.append(card) or draw(card))
    url, png = card_of(client, parse_strict(client.get("/").content))

    with page_queries(0):
        again = client.get(urlsplit(url).path)

    assert again.content == png
    assert len(drawn) == 1
    assert again["Cache-Control"] == "public, max-age=31536000, immutable"


@pytest.mark.parametrize(
    "path",
    [
        "/share/no-such-kind/abc.png",
        "/share/declaration/" + "f" * 5000 + ".png",
        "/share/declaration/%3Cscript%3E.png",
        "/share/declaration/.png",
    ],
)
def test_an_address_that_names_no_card_draws_nothing(client, site, path, monkeypatch):
    monkeypatch.setattr(cards, "draw", lambda card: pytest.fail("drew a card"))

    assert client.get(path).status_code in {302, 404}


def test_the_declarations_card_is_in_the_readers_language(client, site):
    page = parse_strict(client.get("/zh-hans/").content)

    url, png = card_of(client, page)
    (alt,) = metas(page, "og:image:alt")

    assert urlsplit(url).path.startswith("/zh-hans/share/declaration/")
    assert "家机构认可本宣言" in alt
    assert pixels_apart(png, card_of(client, parse_strict(client.get("/").content))[1]) > 0


def card(heading: str, language: str = "en") -> Card:
    return Card(
        kind="declaration",
        language=language,
        heading=heading,
        title="",
        count="12 organisations have endorsed the declaration.",
        address="declaration.example.org",
    )


def test_arabic_is_shaped_letters_joined_not_drawn_one_by_one():
    # Without shaping each letter keeps its isolated form, as a zero-width non-joiner between
    # letters makes it: the two drawings would be the same.
    with translation.override("ar"):
        joined = draw(card("التعليم للجميع", "ar"))
        isolated = draw(card("\u200c".join("التعليم للجميع"), "ar"))

    assert pixels_apart(joined, isolated) > DIFFERENT_PIXELS


def test_an_arabic_card_runs_from_the_right():
    with translation.override("ar"):
        image = Image.open(io.BytesIO(draw(card("التعليم", "ar")))).convert("L")

    # The heading's band: ink near the right margin, none in the left half.
    band = image.crop((0, 150, 1200, 260))
    left, right = band.crop((0, 0, 600, 110)), band.crop((600, 0, 1200, 110))
    assert left.getextrema()[1] < 160 < right.getextrema()[1]


@pytest.mark.parametrize(
    "heading",
    [
        '<script>alert(1)</script>"><img src=x onerror=alert(1)>',
        "\u202egnp.exe\u2066 \u200f\u061c mixed عربي and English \u0000\u0007",
        "Connectivity " * 400,
        "连接" * 500,
        "",
    ],
)
def test_hostile_headings_are_drawn_as_text_within_the_card(heading):
    png = draw(card(cards.printable(heading)[: cards.HEADING_CHARACTERS]))

    image = Image.open(io.BytesIO(png))
    assert image.size == (1200, 630)
    assert len(png) < 100_000


def test_a_hostile_declaration_title_leaves_the_page_and_its_card_working(client, publish):
    publish(title="<b>Bold</b> \u202eevil\u202c " + "long " * 40)

    page = parse_strict(client.get("/").content)

    _url, png = card_of(client, page)
    assert len(png) < 100_000


def test_the_declaration_offers_plain_links_to_share_it_and_its_address_to_copy(client, site):
    page = parse_strict(client.get("/ar/").content)

    share = page.find(".//section[@class='share']")
    assert page.find(f".//*[@id='{share.get('aria-labelledby')}']") is not None
    links = {
        urlsplit(a.get("href")).scheme + ":" + urlsplit(a.get("href")).netloc: a
        for a in share.iter("a")
    }
    assert set(links) == {
        "mailto:",
        "https:twitter.com",
        "https:www.linkedin.com",
        "https:wa.me",
        "https:www.facebook.com",
    }
    assert all(a.get("rel") == "noopener" and a.get("target") is None for a in links.values())
    address = share.find(".//input")
    assert address.get("readonly") is not None
    assert share.find(f".//label[@for='{address.get('id')}']") is not None
    assert address.get("value") == "https://declaration.example.org/ar/"
    tweet = parse_qs(urlsplit(links["https:twitter.com"].get("href")).query)
    assert tweet["url"] == ["https://declaration.example.org/ar/"]
    assert page.find(".//script") is None


def test_an_endorsers_page_shares_its_own_address_saying_who_endorses(client, make_endorser):
    endorser = make_endorser("Escuelas Conectadas")

    page = parse_strict(client.get(f"/endorsers/{endorser.public_id}/").content)

    share = page.find(".//section[@class='share']")
    address = f"https://declaration.example.org/endorsers/{endorser.public_id}/"
    assert share.find(".//input").get("value") == address
    (email,) = [a.get("href") for a in share.iter("a") if a.get("href").startswith("mailto:")]
    assert parse_qs(urlsplit(email).query)["subject"] == [
        "Escuelas Conectadas endorses “Test Declaration”"
    ]
    assert metas(page, "og:title") == ["Escuelas Conectadas"]


def card_path(client, path: str = "/") -> str:
    (url,) = metas(parse_strict(client.get(path).content), "og:image")
    return urlsplit(url).path


class Draws(list):
    """The cards drawn, each drawn for real after `delay` seconds or once `go` is set
    (whichever comes first); `started` is set as the first drawing starts."""

    def __init__(self):
        super().__init__()
        self.started, self.go, self.delay = threading.Event(), threading.Event(), 0

    def __call__(self, card: Card) -> bytes:
        self.append(card)
        self.started.set()
        self.go.wait(self.delay)
        return draw(card)


@pytest.fixture
def draws(monkeypatch) -> Draws:
    drawn = Draws()
    monkeypatch.setattr(cards, "draw", drawn)
    return drawn


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_while_the_cache_does_not_answer_a_card_is_not_drawn_and_readers_are_told_to_retry(
    client, site, draws, settings
):
    path = card_path(client)
    settings.CACHES = {"default": cache_from_url(f"redis://127.0.0.1:{free_port()}/0")}
    public_cache.process_copies.forget()

    response = client.get(path)

    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert "no-store" in response["Cache-Control"]
    assert draws == []


def read_card(path: str, answers: list) -> threading.Thread:
    def read():
        try:
            response = Client().get(path)
            answers.append((response.status_code, response.get("Retry-After")))
        finally:
            connections.close_all()

    thread = threading.Thread(target=read)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_readers_arriving_together_at_a_new_card_have_it_drawn_once(client, site, draws):
    path = card_path(client)
    draws.delay = 0.5
    answers = []

    first = read_card(path, answers)
    draws.started.wait(30)
    second = read_card(path, answers)
    first.join()
    second.join()

    assert len(draws) == 1
    assert answers == [(200, None), (200, None)]


@pytest.mark.django_db(transaction=True)
def test_a_reader_who_waited_long_for_a_card_being_drawn_is_told_to_retry(
    client, site, draws, monkeypatch
):
    monkeypatch.setattr(public_cache, "COSTLY_WAIT_SECONDS", 0.3)
    path = card_path(client)
    draws.delay = 30
    drawer, waiter = [], []

    first = read_card(path, drawer)
    draws.started.wait(30)
    read_card(path, waiter).join()
    draws.go.set()
    first.join()

    assert waiter == [(503, "10")]
    assert drawer == [(200, None)]
    assert client.get(path).status_code == 200
    assert len(draws) == 1


def test_a_card_fetches_no_file_outside_the_static_files(settings, tmp_path):
    red = tmp_path / "red.png"
    Image.new("RGB", (1200, 630), "#ff0000").save(red)
    (tmp_path / "share").mkdir()
    (tmp_path / "share" / "card.html").write_text(
        '<html><body style="margin:0"><img src="' + red.as_uri() + '"'
        ' style="width:1200px;height:630px"></body></html>'
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]

    image = Image.open(io.BytesIO(draw(card("Fetching")))).convert("RGB")

    assert image.getpixel((600, 315)) != (255, 0, 0)
