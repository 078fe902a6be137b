"""Logos moderated with their endorsement or as a change, served from storage and shown on
the public list; a browser sending one without JavaScript."""

import gzip
import io

import pytest
from django.core.management import call_command
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from endorsements.logos import approve_logo, process_logo, reject_logo, store_logo
from endorsements.models import Endorsement, Logo
from endorsements.services import moderate_endorsements, withdraw_endorsement
from principles.models import AuditEntry
from tests.endorsements.logo_images import (
    image_bytes,
    logo_files,
    noise,
    upload,
)
from tests.html import parse_strict


@pytest.fixture
def logo_of(make_endorsement, settings):
    """`logo_of(endorsement, data=...)`: a logo stored for it, waiting for moderation."""

    def make(endorsement, data=None):
        processed = process_logo(upload(data or image_bytes()))
        return store_logo(endorsement=endorsement, processed=processed)

    return make


# Moderation -------------------------------------------------------------------------------


def test_approving_the_endorsement_approves_its_logo_and_shows_it(
    make_endorsement, logo_of, moderator
):
    endorsement = make_endorsement(status="confirmed")
    logo = logo_of(endorsement)

    moderate_endorsements(
        endorsements=Endorsement.objects.filter(pk=endorsement.pk),
        decision="approve",
        moderator=moderator,
    )

    endorsement.refresh_from_db()
    logo.refresh_from_db()
    assert logo.status == Logo.Status.APPROVED
    assert logo.moderated_by == moderator
    assert endorsement.logo == logo
    assert endorsement.logo_url() == (
        f"/endorsers/{endorsement.public_id}/logo/{logo.content_hash[:16]}-small.webp"
    )


@pytest.mark.parametrize("decision", ["reject", "spam"])
def test_rejecting_the_endorsement_or_marking_it_as_spam_rejects_its_logo(
    make_endorsement, logo_of, moderator, decision
):
    endorsement = make_endorsement(status="confirmed")
    logo = logo_of(endorsement)

    moderate_endorsements(
        endorsements=Endorsement.objects.filter(pk=endorsement.pk),
        decision=decision,
        moderator=moderator,
        reason="Not an organisation.",
    )

    logo.refresh_from_db()
    endorsement.refresh_from_db()
    assert logo.status == Logo.Status.REJECTED
    assert endorsement.logo is None


def test_the_moderation_queue_and_page_show_the_logo_waiting(
    client, make_endorsement, logo_of, moderator
):
    endorsement = make_endorsement(name="With A Logo", status="confirmed")
    logo = logo_of(endorsement)
    client.force_login(moderator)

    for address in ("/moderation/", f"/moderation/{endorsement.pk}/"):
        page = parse_strict(client.get(address).content)
        (image,) = page.iterfind(".//dd[@class='logo-pending']//img")
        assert image.get("src") == logo.large_url
        assert image.get("alt") == "Logo sent by With A Logo"
        assert client.get(image.get("src")).status_code == 200


def test_a_logo_sent_as_a_change_is_approved_in_place_of_the_one_shown_and_audited(
    client, make_endorsement, logo_of, moderator
):
    endorsement = make_endorsement(status="confirmed")
    first = logo_of(endorsement)
    moderate_endorsements(
        endorsements=Endorsement.objects.filter(pk=endorsement.pk),
        decision="approve",
        moderator=moderator,
    )
    second = logo_of(endorsement, data=image_bytes(color=(200, 0, 0)))
    old_address = Endorsement.objects.get().logo_url()

    approve_logo(logo=second, moderator=moderator)

    endorsement.refresh_from_db()
    assert endorsement.logo == second
    first.refresh_from_db()
    assert first.status == Logo.Status.APPROVED  # its row stays, for the record
    assert client.get(endorsement.logo_url()).status_code == 200
    assert client.get(old_address).status_code == 404
    entry = AuditEntry.objects.about(endorsement).get(
        action=AuditEntry.Action.ENDORSEMENT_CHANGE_APPROVE
    )
    assert entry.actor == moderator
    assert second.content_hash[:16] in entry.detail


def test_a_logo_sent_as_a_change_that_is_rejected_leaves_the_one_shown(
    make_endorsement, logo_of, moderator
):
    endorsement = make_endorsement(status="confirmed")
    first = logo_of(endorsement)
    moderate_endorsements(
        endorsements=Endorsement.objects.filter(pk=endorsement.pk),
        decision="approve",
        moderator=moderator,
    )
    second = logo_of(endorsement, data=image_bytes(color=(200, 0, 0)))

    reject_logo(logo=second, moderator=moderator)

    endorsement.refresh_from_db()
    second.refresh_from_db()
    assert endorsement.logo == first
    assert second.status == Logo.Status.REJECTED
    assert AuditEntry.objects.about(endorsement).filter(
        action=AuditEntry.Action.ENDORSEMENT_CHANGE_REJECT, actor=moderator
    )
    with pytest.raises(Exception, match="moderated already"):
        approve_logo(logo=second, moderator=moderator)


def test_withdrawing_deletes_the_logo_files(
    client, make_endorsement, logo_of, moderator, settings, django_capture_on_commit_callbacks
):
    endorsement = make_endorsement(status="confirmed")
    logo_of(endorsement)
    moderate_endorsements(
        endorsements=Endorsement.objects.filter(pk=endorsement.pk),
        decision="approve",
        moderator=moderator,
    )
    address = Endorsement.objects.get().logo_url()

    with django_capture_on_commit_callbacks(execute=True):
        withdraw_endorsement(endorsement=endorsement)

    assert logo_files(settings) == []
    assert not Logo.objects.exists()
    assert client.get(address).status_code == 404


def test_purging_expired_confirmations_deletes_their_logo_files(
    make_endorsement, logo_of, settings, django_capture_on_commit_callbacks
):
    expired = make_endorsement(status="unconfirmed")
    Endorsement.objects.filter(pk=expired.pk).update(
        submitted_at=timezone.now() - timezone.timedelta(days=365)
    )
    logo_of(expired)
    kept = logo_of(make_endorsement(status="unconfirmed"))

    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_unconfirmed_endorsements", stdout=io.StringIO())

    assert list(Logo.objects.all()) == [kept]
    assert len(logo_files(settings)) == 2


# Serving ----------------------------------------------------------------------------------


@pytest.fixture
def shown_logo(make_endorsement, logo_of, moderator):
    endorsement = make_endorsement(status="confirmed")
    logo_of(endorsement)
    moderate_endorsements(
        endorsements=Endorsement.objects.filter(pk=endorsement.pk),
        decision="approve",
        moderator=moderator,
    )
    return Endorsement.objects.select_related("logo").get(pk=endorsement.pk)


@pytest.mark.parametrize("size", ["small", "large"])
def test_an_approved_logo_is_served_for_good_in_one_query(
    client, shown_logo, django_assert_num_queries, size
):
    with django_assert_num_queries(1):
        response = client.get(shown_logo.logo_url(size))
        body = b"".join(response.streaming_content)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Cookie" not in response.get("Vary", "")
    assert Image.open(io.BytesIO(body)).format == "WEBP"


def test_a_logo_waiting_is_served_to_moderators_only_and_never_kept(
    client, make_endorsement, logo_of, moderator
):
    endorsement = make_endorsement(status="confirmed")
    logo = logo_of(endorsement)

    assert client.get(logo.small_url).status_code == 404
    client.force_login(moderator)
    response = client.get(logo.small_url)

    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]


def test_a_logo_is_not_served_once_its_endorser_is_no_longer_public(client, shown_logo, moderator):
    from endorsements.services import revoke_approval

    address = shown_logo.logo_url()
    revoke_approval(endorsement=shown_logo, moderator=moderator, reason="Fake.")

    assert client.get(address).status_code == 404


@pytest.mark.parametrize(
    "name",
    [
        "0000000000000000-small",  # a stale or made-up hash
        "{hash}-medium",
        "{hash}",
        "{short}-small",
        "{upper}-small",
        "%3Cscript%3E-small",
        "{hash}-small-small",
    ],
)
def test_made_up_logo_addresses_are_not_found(client, shown_logo, name):
    content_hash = shown_logo.logo.content_hash
    name = name.format(
        hash=content_hash[:16], short=content_hash[:8], upper=content_hash[:16].upper()
    )

    response = client.get(f"/endorsers/{shown_logo.public_id}/logo/{name}.webp")

    assert response.status_code == 404


def test_a_logo_of_another_endorser_is_not_found_at_this_one(client, shown_logo, make_endorsement):
    other = make_endorsement()
    address = shown_logo.logo_url().replace(shown_logo.public_id, other.public_id)

    assert client.get(address).status_code == 404


# The list ---------------------------------------------------------------------------------


def approve_with_logos(version, count: int, *, stored: Logo | None = None) -> None:
    """`count` approved endorsers, each showing a logo (rows only, pointing at `stored`'s
    files when given)."""
    now = timezone.now()
    endorsements = Endorsement.objects.bulk_create(
        Endorsement(
            organisation_name=f"Listed organisation {n}",
            name_key=f"listed organisation {n}",
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
    Logo.objects.bulk_create(
        Logo(
            endorsement=endorsement,
            small=stored.small.name if stored else "logos/x-small.webp",
            large=stored.large.name if stored else "logos/x-large.webp",
            content_hash=f"{n:064x}",
            width=400,
            height=200,
            status=Logo.Status.APPROVED,
        )
        for n, endorsement in enumerate(endorsements)
    )
    Endorsement.objects.filter(pk__in=[e.pk for e in endorsements]).update(
        logo=Subquery(Logo.objects.filter(endorsement=OuterRef("pk")).values("pk")[:1])
    )


@pytest.mark.parametrize("count", [10, 10_000])
def test_the_list_with_logos_runs_a_constant_number_of_queries(
    client, version, page_queries, count
):
    approve_with_logos(version, count)

    # As without logos (test_public_list.py): the logo comes with each endorser's row.
    with page_queries(13):
        response = client.get("/endorsers/")

    images = parse_strict(response.content).findall(".//li/img[@class='endorser-logo']")
    assert len(images) == min(count, 50)


def test_the_list_shows_each_logo_sized_lazy_and_silent_beside_the_name(
    client, shown_logo, make_endorsement
):
    make_endorsement(name="Without A Logo")

    page = parse_strict(client.get("/endorsers/").content)

    (image,) = page.findall(".//li/img")
    assert image.get("src") == shown_logo.logo_url("small")
    assert (image.get("width"), image.get("height")) == ("48", "32")
    assert image.get("loading") == "lazy"
    # The organisation's name is the heading right beside it: read once, not twice.
    assert image.get("alt") == ""


def test_the_list_of_50_endorsers_with_logos_weighs_under_100_kb(
    client, version, make_endorsement, logo_of, moderator
):
    """The page as the site serves it to a browser (the HTML, gzipped, and the 50 small logos
    it loads), with logos that no encoder can make small: noise. Measured: 80 KB of HTML with
    the map (11 KB gzipped) and 47 KB of logos."""
    worst = logo_of(make_endorsement(status="confirmed"), data=noise())
    approve_with_logos(version, 49, stored=worst)
    moderate_endorsements(
        endorsements=Endorsement.objects.filter(pk=worst.endorsement_id),
        decision="approve",
        moderator=moderator,
    )

    response = client.get("/endorsers/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert response["Content-Encoding"] == "gzip"
    sent = response.content
    html = gzip.decompress(sent)
    addresses = [
        image.get("src")
        for image in parse_strict(html).findall(".//li/img[@class='endorser-logo']")
    ]
    assert len(addresses) == 50
    logo_bytes = len(worst.small.open("rb").read()) * 50

    total = len(sent) + logo_bytes
    print(
        f"/endorsers/ with 50 logos: HTML {len(html)} B ({len(sent)} B gzipped),"
        f" logos {logo_bytes} B, total {total} B"
    )
    assert total < 100 * 1024


# In a browser -----------------------------------------------------------------------------


@pytest.mark.browser
def test_an_organisation_endorses_with_a_logo_without_javascript(
    live_server, transactional_db, browser, moderator, tmp_path
):
    call_command("load_declaration", stdout=io.StringIO())
    logo_path = tmp_path / "our logo.png"
    logo_path.write_bytes(image_bytes(size=(300, 150), color=(200, 40, 40)))
    svg_path = tmp_path / "logo.svg"
    svg_path.write_bytes(b'<svg xmlns="http://www.w3.org/2000/svg"><script>1</script></svg>')
    page = browser.new_context(java_script_enabled=False).new_page()
    page.goto(live_server.url + "/endorse/")

    page.get_by_label("Organisation name").fill("Logo Schools Trust")
    page.get_by_label("Organisation type").select_option(label="NGO or civil society")
    page.locator("select[name=country]").select_option(label="Ghana")
    page.get_by_label("Contact person's name").fill("Kofi Mensah")
    page.get_by_label("Contact person's role").fill("Director")
    page.get_by_label("Contact person's email").fill("kofi@logoschools.example.org")
    page.get_by_label("I am authorised", exact=False).check()
    page.get_by_label("I agree that", exact=False).check()
    page.get_by_label("Logo", exact=True).set_input_files(str(svg_path))
    page.get_by_role("button", name="Endorse the declaration").click()

    expect(page.locator("#id_logo_error")).to_contain_text("SVG logos are not accepted")
    expect(page.get_by_label("Organisation name")).to_have_value("Logo Schools Trust")
    assert not Endorsement.objects.exists()

    page.get_by_label("Logo", exact=True).set_input_files(str(logo_path))
    page.get_by_label("I am authorised", exact=False).check()
    page.get_by_label("I agree that", exact=False).check()
    page.get_by_role("button", name="Endorse the declaration").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    endorsement = Endorsement.objects.get()
    assert endorsement.logos.get().status == Logo.Status.PENDING
    endorsement.confirm()
    moderate_endorsements(
        endorsements=Endorsement.objects.filter(pk=endorsement.pk),
        decision="approve",
        moderator=moderator,
    )
    page.goto(live_server.url + "/endorsers/")
    image = page.locator("li.endorser img.endorser-logo")
    expect(image).to_have_attribute("width", "48")
    assert page.request.get(live_server.url + image.get_attribute("src")).status == 200
