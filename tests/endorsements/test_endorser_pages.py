"""Each approved endorser's own page, `/endorsers/<public id>/`, linked from the list."""

import re

import html5lib
import pytest
from django.utils import timezone

from declaration_site import public_cache
from endorsements.models import Endorsement, Logo
from endorsements.services import revoke_approval, withdraw_endorsement
from tests.endorsements import test_across_versions
from tests.endorsements.test_across_versions import line
from tests.endorsements.test_public_list import approve_in_bulk, text_of
from tests.html import parse_strict

# Version 2, drafted from version 1: line 1.1 reworded, 2.2 removed, 3.3 added; Arabic too.
second = test_across_versions.second


@pytest.fixture
def endorser(version, make_endorsement, approve):
    """An organisation approved by a moderator, with a statement, a website and commitments to
    action lines 1.1, 2.2 and 3.1 of version 1."""
    endorsement = make_endorsement(
        "Escuelas Conectadas",
        country="PE",
        status="confirmed",
        organisation_type="academia",
        website="https://escuelas.example.pe",
        statement="We will connect 50 Andean schools.\nAnd train their teachers.",
    )
    endorsement.action_lines.set([line(version, 1, 1), line(version, 2, 2), line(version, 3, 1)])
    approve(endorsement)
    endorsement.refresh_from_db()
    return endorsement


def page_of(client, endorsement, language_prefix=""):
    return client.get(f"{language_prefix}/endorsers/{endorsement.public_id}/")


def meta(page, name: str) -> str:
    for element in page.iter("meta"):
        if name in {element.get("property"), element.get("name")}:
            return element.get("content")
    raise AssertionError(f"no <meta> {name}")


def test_the_list_links_each_endorser_to_its_page_which_answers_200(client, endorser):
    listed = parse_strict(client.get("/endorsers/").content)

    (link,) = listed.findall(".//li[@class='endorser']/h3/a")

    assert link.get("href") == f"/endorsers/{endorser.public_id}/"
    assert text_of(link) == "Escuelas Conectadas"
    assert client.get(link.get("href")).status_code == 200


def test_the_page_shows_the_organisation_its_statement_and_its_trust_level(client, endorser):
    page = parse_strict(page_of(client, endorser).content)

    assert text_of(page.find(".//h1")) == "Escuelas Conectadas"
    facts = text_of(page.find(".//dl[@class='endorser-facts']"))
    assert "Academia or research" in facts
    assert "Peru" in facts
    website = page.find(".//dl[@class='endorser-facts']//a[@rel='nofollow ugc']")
    assert website.get("href") == "https://escuelas.example.pe"
    statement = page.find(".//blockquote")
    assert statement.text == "We will connect 50 Andean schools."
    assert statement.find("br").tail == "And train their teachers."
    assert text_of(page.find(".//span[@class='trust trust-self-declared']")) == "Self-declared"


def test_a_website_the_endorser_was_promised_would_stay_private_is_not_shown(client, endorser):
    Endorsement.objects.filter(pk=endorser.pk).update(website_is_public=False)

    content = page_of(client, endorser).content.decode()

    assert "escuelas.example.pe" not in content


def test_the_page_never_shows_the_contact_person(client, endorser):
    content = page_of(client, endorser).content.decode()

    assert endorser.contact_email not in content
    assert "Contact person" not in content


def test_commitments_are_grouped_by_principle_in_the_wording_of_the_version(client, endorser):
    page = parse_strict(page_of(client, endorser).content)

    headings = [text_of(h) for h in page.findall(".//h3")]
    assert headings == ["1. Principle title 1", "2. Principle title 2", "3. Principle title 3"]
    items = [text_of(li) for li in page.findall(".//ul[@class='commitments']/li")]
    assert items == [
        "1.1 Action line 1.1 text.",
        "2.2 Action line 2.2 text.",
        "3.1 Action line 3.1 text.",
    ]
    first = page.find(".//ul[@class='commitments']/li/a")
    assert first.get("href") == "/versions/1/#principle-1-action-1"


def test_after_a_new_version_commitments_read_as_it_words_them_and_removed_lines_are_named(
    client,
    endorser,
    second,
):
    page = parse_strict(page_of(client, endorser).content)

    items = [text_of(li) for li in page.findall(".//ul[@class='commitments']/li")]
    assert items == [
        "1.1 Action line 1.1 text, reworded for every school.",
        "3.1 Action line 3.1 text.",
        "version 1, 2.2 Action line 2.2 text.",
    ]
    assert text_of(page.find(".//h3[@id='commitments-dropped']")) == "No longer in version 2"
    links = [a.get("href") for a in page.findall(".//ul[@class='commitments']/li/a")]
    assert links[0] == "/versions/2/#principle-1-action-1"
    assert links[-1] == "/versions/1/#principle-2-action-2"


def test_commitments_are_in_the_reader_language(client, endorser, second):
    page = parse_strict(page_of(client, endorser, "/ar").content)

    assert page.get("dir") == "rtl"
    items = [text_of(li) for li in page.findall(".//ul[@class='commitments']/li")]
    assert items[1] == "3.1 نص خط العمل 3.1."
    assert "عنوان المبدأ 1" in text_of(page.find(".//h3"))


def test_an_endorser_without_commitments_says_so(client, make_endorsement):
    endorsement = make_endorsement("Quiet Foundation")

    page = parse_strict(page_of(client, endorsement).content)

    assert page.find(".//ul[@class='commitments']") is None
    assert "It has not named the action lines it commits to." in text_of(page.find(".//main"))


def test_the_versions_endorsed_and_reconfirmed_are_listed_with_their_dates(
    client,
    endorser,
    second,
    reconfirm,
):
    reconfirm(endorser, second, action_line_ids=[])

    page = parse_strict(page_of(client, endorser).content)

    versions = page.findall(".//ul[@class='endorser-versions']/li")
    today = timezone.localdate().isoformat()
    assert text_of(versions[0]).startswith("Endorsed version 1 · approved")
    assert text_of(versions[1]).startswith("Reconfirmed for version 2 ·")
    assert [v.find("time").get("datetime")[:10] for v in versions] == [today, today]
    assert [v.find("a").get("href") for v in versions] == ["/versions/1/", "/versions/2/"]


@pytest.fixture
def reconfirm(django_capture_on_commit_callbacks):
    from endorsements.services import reconfirm_endorsement

    def run(endorsement, version, **commitments):
        with django_capture_on_commit_callbacks(execute=True):
            return reconfirm_endorsement(endorsement=endorsement, version=version, **commitments)

    return run


def test_the_certificate_link_is_the_signed_link_for_this_endorsement(client, endorser):
    page = parse_strict(page_of(client, endorser).content)

    link = page.find(".//a[@type='application/pdf']").get("href")

    token = re.fullmatch(r"/endorsers/certificate/(.+)\.pdf", link).group(1)
    assert Endorsement.read_link_token(token, "certificate")["e"] == endorser.pk


def test_the_certificate_link_says_the_certificate_is_in_the_endorsers_language(client, endorser):
    Endorsement.objects.filter(pk=endorser.pk).update(language="es")

    page = parse_strict(page_of(client, endorser, "/fr").content)
    paragraph = page.find(".//a[@type='application/pdf']/..")

    assert paragraph.find("a").get("hreflang") == "es"
    assert "(PDF signé ; langue : Espagnol)" in text_of(paragraph)


def test_the_share_card_names_the_organisation_and_shows_the_declarations_card(client, endorser):
    page = parse_strict(page_of(client, endorser).content)

    assert meta(page, "og:title") == "Escuelas Conectadas"
    assert meta(page, "og:description").startswith("We will connect 50 Andean schools.")
    assert meta(page, "og:url") == f"https://declaration.test/endorsers/{endorser.public_id}/"
    assert re.fullmatch(
        r"https://declaration\.test/share/declaration/\w+\.png", meta(page, "og:image")
    )
    assert meta(page, "twitter:card") == "summary_large_image"


def test_with_a_logo_the_page_shows_it(client, endorser):
    logo = Logo.objects.create(
        endorsement=endorser,
        small="logos/abc-small.webp",
        large="logos/abc-large.webp",
        content_hash="ab" * 32,
        width=400,
        height=160,
        status=Logo.Status.APPROVED,
    )
    Endorsement.objects.filter(pk=endorser.pk).update(logo=logo)

    page = parse_strict(page_of(client, endorser).content)

    image = page.find(".//img[@class='endorser-logo']")
    large = f"/endorsers/{endorser.public_id}/logo/{'ab' * 8}-large.webp"
    assert image.get("src") == large
    assert (image.get("width"), image.get("height")) == ("400", "160")
    assert image.get("alt") == "Logo of Escuelas Conectadas"


def test_hostile_text_is_shown_as_text(client, make_endorsement):
    endorsement = make_endorsement(
        '<script>alert(1)</script>"><img src=x>',
        statement="<b onmouseover=alert(1)>bold</b> ]]> \u202egnp.exe",
        website="https://example.org/?q=%22%3E%3Cscript%3E",
    )

    response = page_of(client, endorsement)

    page = parse_strict(response.content)
    assert page.find(".//script") is None
    assert page.find(".//b") is None
    assert text_of(page.find(".//h1")) == '<script>alert(1)</script>"><img src=x>'


@pytest.mark.parametrize("status", ["unconfirmed", "confirmed", "rejected", "spam"])
def test_an_endorsement_never_approved_is_not_found(client, make_endorsement, status):
    endorsement = make_endorsement("Not Yet Decided", status=status)

    assert page_of(client, endorsement).status_code == 404


def test_an_endorsement_withdrawn_before_approval_is_not_found(client, make_endorsement):
    endorsement = make_endorsement("Changed Its Mind", status="confirmed")
    withdraw_endorsement(endorsement=endorsement)

    assert page_of(client, endorsement).status_code == 404


@pytest.mark.parametrize(
    "public_id",
    [
        "0123456789ab",
        "x" * 5000,
        "%D9%A1%D9%A2",
        "..",
        "abc%00def",
        "\uff21\uff22\uff23",
        "a%E2%80%AEb",
    ],
)
def test_unknown_and_malformed_ids_are_not_found(client, endorser, public_id):
    assert client.get(f"/endorsers/{public_id}/").status_code == 404


def test_a_withdrawn_endorser_answers_410_without_its_name(
    client, endorser, django_capture_on_commit_callbacks
):
    assert page_of(client, endorser).status_code == 200  # now in the cache
    with django_capture_on_commit_callbacks(execute=True):
        withdraw_endorsement(endorsement=endorser)

    response = page_of(client, endorser)

    assert response.status_code == 410
    content = response.content.decode()
    assert "Escuelas Conectadas" not in content
    assert "escuelas.example.pe" not in content
    assert "no longer appears among the endorsers" in content


def test_an_endorser_whose_approval_was_revoked_answers_410(
    client, endorser, moderator, django_capture_on_commit_callbacks
):
    assert page_of(client, endorser).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        revoke_approval(endorsement=endorser, moderator=moderator, reason="Not an organisation.")

    response = page_of(client, endorser)

    assert response.status_code == 410
    assert "Escuelas Conectadas" not in response.content.decode()


def test_the_page_is_served_from_the_cache_until_the_endorser_changes(
    client, endorser, second, reconfirm, page_queries
):
    # The fixtures published version 2 without committing, so without telling this process.
    public_cache.process_copies.forget()
    page_of(client, endorser)
    with page_queries(0):
        assert page_of(client, endorser).status_code == 200

    reconfirm(endorser, second, action_line_ids=[])

    page = parse_strict(page_of(client, endorser).content)
    assert len(page.findall(".//ul[@class='endorser-versions']/li")) == 2


def test_the_badge_snippet_shows_the_badge_and_links_back_to_the_page(client, endorser):
    page = parse_strict(page_of(client, endorser).content)

    snippet = page.find(".//textarea[@id='badge-snippet']")
    assert snippet.get("readonly") is not None
    label = page.find(".//label[@for='badge-snippet']")
    assert text_of(label) == "HTML for your website"
    pasted = html5lib.parse(snippet.text, namespaceHTMLElements=False)
    link, image = pasted.find(".//a"), pasted.find(".//a/img")
    site_page = f"https://declaration.test/endorsers/{endorser.public_id}/"
    assert link.get("href") == site_page
    assert image.get("src") == site_page + "badge.svg"
    assert image.get("alt") == "Escuelas Conectadas endorses “Test Declaration”"
    assert (image.get("width"), image.get("height")) == ("320", "80")


def test_a_name_with_markup_is_escaped_in_the_snippet(client, make_endorsement):
    endorsement = make_endorsement('A & B "Schools" <i>')

    page = parse_strict(page_of(client, endorsement).content)

    pasted = html5lib.parse(
        page.find(".//textarea[@id='badge-snippet']").text, namespaceHTMLElements=False
    )
    assert pasted.find(".//i") is None
    assert pasted.find(".//img").get("alt").startswith('A & B "Schools" <i> endorses')


@pytest.mark.parametrize("language", ["", "/fr", "/es", "/ar", "/ru", "/zh-hans"])
def test_the_page_reads_in_every_language(client, endorser, language):
    response = page_of(client, endorser, language)

    assert response.status_code == 200
    parse_strict(response.content)


@pytest.mark.parametrize("count", [10, 10_000])
def test_the_page_runs_a_constant_number_of_queries(client, endorser, page_queries, count):
    approve_in_bulk(endorser.version, count)

    # The endorser with its versions and logo, its reconfirmations, the current version (and
    # its title, for the badge), the lines it commits to with their texts and principles'
    # texts, and the lines no longer in the version; the count of endorsers on the share card.
    with page_queries(11):
        response = page_of(client, endorser)

    assert response.status_code == 200
