"""What the security review of the manage page found: a verified endorser changing its
website, logos sent from the link that nobody could decide, the export giving away why an
approval was revoked, and the logo read and decoded before it could be refused."""

import json
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile

from endorsements import logos
from endorsements.models import Endorsement, Logo
from principles.models import AuditEntry
from tests.endorsements import test_self_service as manage_tests
from tests.endorsements.logo_images import logo_files
from tests.endorsements.test_self_service import form_of, manage_link, png
from tests.html import csrf_token, submit

# The manage page's fixtures: an approved endorser, and a save through its form.
endorser = manage_tests.endorser
save = manage_tests.save


@pytest.fixture
def verified(endorser, moderator):
    endorser.set_verification(by=moderator, note="Phoned the director on her office line")
    assert endorser.trust_level == Endorsement.TrustLevel.VERIFIED
    return endorser


def test_a_verified_endorsers_new_website_takes_the_verification_back_and_says_so(
    client, save, verified
):
    assert "If you change the website" in client.get(manage_link(verified)).content.decode()

    response = save(verified, website="https://impostor.example.com")

    assert response.status_code == 302
    verified.refresh_from_db()
    assert (verified.verified_at, verified.verified_by, verified.verification_note) == (
        None,
        None,
        "",
    )
    assert verified.trust_level == Endorsement.TrustLevel.SELF_DECLARED
    page = client.get(response["Location"]).content.decode()
    assert 'id="manage-unverified"' in page
    assert "verification of your organisation is withdrawn" in page
    assert "may verify it again" in page
    assert not AuditEntry.objects.about(verified).exists()  # no staff actor to name
    assert "Open Schools" not in client.get("/endorsers/?trust=verified").content.decode()


def test_a_verified_endorsers_new_website_at_its_own_domain_is_domain_confirmed(save, verified):
    save(verified, website="https://www.openschools.example.org/")

    verified.refresh_from_db()
    assert verified.verified_at is None
    assert verified.trust_level == Endorsement.TrustLevel.DOMAIN_CONFIRMED


def test_a_verified_endorser_keeps_its_verification_when_only_its_statement_changes(
    client, save, verified
):
    response = save(verified, statement="New words, same organisation.")

    verified.refresh_from_db()
    assert verified.trust_level == Endorsement.TrustLevel.VERIFIED
    assert 'id="manage-unverified"' not in client.get(response["Location"]).content.decode()


def test_a_forged_notice_of_withdrawal_is_not_shown_to_a_verified_endorser(client, verified):
    page = client.get(manage_link(verified) + "?saved=unverified").content.decode()

    assert "Your changes are saved." in page
    assert 'id="manage-unverified"' not in page


def revoke(endorsement) -> None:
    from django.utils import timezone

    Endorsement.objects.filter(pk=endorsement.pk).update(
        status="revoked", revoked_at=timezone.now(), revocation_reason="Not who they said"
    )


def pending_logo_of(endorsement) -> Logo:
    return Logo.objects.pending().get(endorsement=endorsement)


def test_a_logo_sent_from_the_link_is_shown_in_the_changes_queue_to_moderators(
    client, save, endorser, moderator
):
    save(endorser, logo=png())
    logo = pending_logo_of(endorser)
    client.force_login(moderator)

    queue = client.get("/moderation/changes/").content.decode()

    assert f'id="logo-{logo.pk}"' in queue
    assert logo.large_url in queue
    image = client.get(logo.large_url)
    assert (image.status_code, image["Content-Type"]) == (200, "image/webp")


def test_a_moderator_approves_a_logo_which_is_audited_shown_and_public(
    client, save, endorser, moderator, django_capture_on_commit_callbacks
):
    save(endorser, logo=png())
    logo = pending_logo_of(endorser)
    client.get("/endorsers/")  # cached now
    client.force_login(moderator)

    with django_capture_on_commit_callbacks(execute=True):
        response = submit(client, "/moderation/changes/", {"logo": logo.pk, "decision": "approve"})

    assert (
        "Approved the new logo of Open Schools Network"
        in client.get(response["Location"]).content.decode()
    )
    logo.refresh_from_db()
    endorser.refresh_from_db()
    assert (logo.status, endorser.logo) == ("approved", logo)
    assert AuditEntry.objects.about(endorser).get().action == "endorsement.change_approve"
    client.logout()
    assert endorser.logo_url() in client.get("/endorsers/").content.decode()
    assert f'id="logo-{logo.pk}"' not in client.get("/moderation/changes/").content.decode()


def test_a_moderator_declines_a_logo_and_the_endorser_keeps_none(client, save, endorser, moderator):
    save(endorser, logo=png())
    logo = pending_logo_of(endorser)
    client.force_login(moderator)

    submit(client, "/moderation/changes/", {"logo": logo.pk, "decision": "decline"})

    logo.refresh_from_db()
    endorser.refresh_from_db()
    assert (logo.status, endorser.logo) == ("rejected", None)
    assert AuditEntry.objects.about(endorser).get().action == "endorsement.change_reject"


def test_deciding_a_logo_twice_says_it_was_decided(client, save, endorser, moderator):
    save(endorser, logo=png())
    logo = pending_logo_of(endorser)
    client.force_login(moderator)
    page = client.get("/moderation/changes/")
    data = {"logo": logo.pk, "decision": "approve", "csrfmiddlewaretoken": csrf_token(page)}
    client.post("/moderation/changes/", data)

    response = client.post("/moderation/changes/", {**data, "decision": "decline"}, follow=True)

    assert "Someone decided this logo already" in response.content.decode()
    logo.refresh_from_db()
    assert logo.status == "approved"


def test_a_logo_of_a_revoked_endorsement_is_not_in_the_queue_nor_approved(
    client, save, endorser, moderator
):
    save(endorser, logo=png())
    logo = pending_logo_of(endorser)
    client.force_login(moderator)
    page = client.get("/moderation/changes/")
    revoke(endorser)

    assert f'id="logo-{logo.pk}"' not in client.get("/moderation/changes/").content.decode()
    data = {"logo": logo.pk, "decision": "approve", "csrfmiddlewaretoken": csrf_token(page)}
    client.post("/moderation/changes/", data)
    logo.refresh_from_db()
    assert logo.status == "pending"


@pytest.mark.parametrize("logo_id", ["", "abc", "99999999999999999999999", "1e3", "٣", "0"])
def test_a_malformed_logo_id_is_refused_without_an_error(
    client, save, endorser, moderator, logo_id
):
    save(endorser, logo=png())
    client.force_login(moderator)

    response = submit(client, "/moderation/changes/", {"logo": logo_id, "decision": "approve"})

    assert response.status_code in {400, 404}
    assert pending_logo_of(endorser).status == "pending"


def test_deciding_a_logo_needs_a_moderator_and_the_csrf_token(
    client, save, endorser, moderator, django_user_model
):
    save(endorser, logo=png())
    logo = pending_logo_of(endorser)
    data = {"logo": logo.pk, "decision": "approve"}
    client.force_login(django_user_model.objects.create_user("someone"))
    assert client.post("/moderation/changes/", data).status_code == 403
    client.force_login(moderator)
    assert client.post("/moderation/changes/", data).status_code == 403

    assert pending_logo_of(endorser) == logo


def test_a_new_logo_replaces_the_one_waiting_whose_files_are_deleted(save, endorser, settings):
    save(endorser, logo=png(64))
    first = pending_logo_of(endorser)
    first_files = {first.small.name, first.large.name}

    save(endorser, logo=png(80))

    second = pending_logo_of(endorser)  # one, the newer
    assert second.pk != first.pk
    kept = {str(path.relative_to(settings.MEDIA_ROOT)) for path in logo_files(settings)}
    assert kept == {second.small.name, second.large.name}
    assert not kept & first_files


def test_the_export_leaves_out_why_an_approval_was_revoked(client, endorser):
    Endorsement.objects.filter(pk=endorser.pk).update(
        revocation_reason="Suspected front for a lobby"
    )

    text = client.get(manage_link(endorser) + "data.json").content.decode()

    assert "Suspected front" not in text
    assert "revocation_reason" not in json.loads(text)["status"]


@pytest.mark.parametrize("status", ["revoked", "rejected", "spam", "cancelled"])
def test_only_an_approved_endorsement_has_an_export(client, endorser, status):
    link = manage_link(endorser)
    if status == "revoked":
        revoke(endorser)
    else:
        Endorsement.objects.filter(pk=endorser.pk).update(status=status)

    response = client.get(link + "data.json")

    assert response.status_code == 410
    assert response["Content-Type"].startswith("text/html")


def test_a_50_mb_logo_on_the_manage_page_is_refused_and_never_spooled_to_disk(
    client, endorser, monkeypatch
):
    spooled = []
    original = TemporaryUploadedFile.__init__

    def spy(self, *args, **kwargs):
        spooled.append(args)
        original(self, *args, **kwargs)

    monkeypatch.setattr(TemporaryUploadedFile, "__init__", spy)
    link = manage_link(endorser)
    page = client.get(link)
    huge = SimpleUploadedFile("logo.png", os.urandom(50 * 1024 * 1024), "image/png")
    data = {**form_of(page), "statement": "Kept", "csrfmiddlewaretoken": csrf_token(page)}

    response = client.post(link, {**data, "logo": huge})

    assert response.status_code == 400
    assert "larger than 2 MB" in response.content.decode()
    assert "Kept" in response.content.decode()
    assert spooled == []
    assert not Logo.objects.exists()


def test_a_logo_posted_from_a_stale_page_is_not_decoded(
    client, endorser, monkeypatch, django_capture_on_commit_callbacks
):
    decoded = []
    monkeypatch.setattr(logos, "open_checked", lambda *args: decoded.append(args))
    link = manage_link(endorser)
    first_tab, second_tab = client.get(link), client.get(link)
    first = {**form_of(first_tab), "csrfmiddlewaretoken": csrf_token(first_tab)}
    second = {**form_of(second_tab), "csrfmiddlewaretoken": csrf_token(second_tab)}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(link, {**first, "statement": "Saved from the first tab."})

    response = client.post(link, {**second, "logo": png()})

    assert response.status_code == 400
    assert "nothing of yours was saved" in response.content.decode()
    assert decoded == []
    assert not Logo.objects.exists()


@pytest.mark.browser
@pytest.mark.parametrize("language", ["", "/ar"])
def test_the_withdrawn_verification_notice_and_the_logo_queue_meet_wcag_aa(
    live_server, transactional_db, browser, make_endorsement, moderator, language, tmp_path
):
    from playwright.sync_api import expect

    from tests.test_accessibility import AXE, violations

    assert AXE.exists()
    endorsement = make_endorsement("Escuelas Conectadas", website="https://escuelas.example.pe")
    endorsement.set_verification(by=moderator, note="Met them")
    image = tmp_path / "logo.png"
    image.write_bytes(png(120).read())
    context = browser.new_context(bypass_csp=True, viewport={"width": 320, "height": 700})
    page = context.new_page()
    page.goto(live_server.url + language + manage_link(endorsement))
    expect(page.locator("#manage-verified")).to_have_count(1)
    page.locator("#id_website").fill("https://elsewhere.example.com")
    page.locator("#id_logo").set_input_files(str(image))
    page.locator("#manage-save").click()
    expect(page.locator("#manage-unverified")).to_have_count(1)
    assert violations(page) == []
    queue = context.new_page()
    queue.goto(live_server.url + "/accounts/login/?next=/moderation/changes/")
    queue.locator("input[name=username]").fill("moderator")
    queue.locator("input[name=password]").fill("correct horse 42")
    queue.locator("main form button[type=submit]").click()
    queue.goto(live_server.url + language + "/moderation/changes/")
    waiting = queue.locator(".logo-entry img.logo-waiting").element_handle()
    queue.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=waiting, timeout=5000
    )
    assert violations(queue) == []
    queue.locator(".logo-entry button[value=approve]").click()
    expect(queue.locator(".logo-entry")).to_have_count(0)
    context.close()
