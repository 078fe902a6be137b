"""An endorser managing its endorsement from the link in its approval email, and the
Moderators' queue of the name and country changes it asks for."""

import io
import json
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from endorsements.models import Endorsement, EndorsementChange, Logo
from principles.models import AuditEntry
from tests.html import csrf_token, submit


def manage_link(endorsement) -> str:
    return f"/endorse/manage/{endorsement.link_token('manage')}/"


def link_in(message) -> str:
    return re.search(r"https://declaration.test(/endorse/manage/\S+/)", message.body).group(1)


def form_of(response) -> dict:
    """What the manage page's form would post as it stands: its fields' values."""
    page = response.content.decode()
    lines = re.findall(r'name="action_lines" value="(\d+)"[^>]*checked', page)
    values = {
        name: re.search(rf'name="{name}" value="([^"]*)"', page)
        for name in ("organisation_name", "website", "seen")
    }
    statement = re.search(r'name="statement"[^>]*>\n?(.*?)</textarea>', page, re.S)
    country = re.search(r'<option value="(\w+)" selected', page)
    return {
        **{name: match.group(1) if match else "" for name, match in values.items()},
        "statement": statement.group(1) if statement else "",
        "country": country.group(1),
        "action_lines": lines,
    }


@pytest.fixture
def endorser(make_endorsement, version):
    lines = [line for p in version.principles.all() for line in p.action_lines.all()]
    endorsement = make_endorsement(
        "Open Schools Network",
        country="KE",
        website="https://openschools.example.org",
        statement="We will connect 200 rural schools.",
        contact_email="amina@openschools.example.org",
    )
    endorsement.action_lines.set([lines[0].pk])
    endorsement.lines = lines
    return endorsement


@pytest.fixture
def save(client, django_capture_on_commit_callbacks):
    """Open the manage page, change `changes` in its form and post it, as a browser does."""

    def post(endorsement, **changes):
        link = manage_link(endorsement)
        page = client.get(link)
        data = {**form_of(page), **changes, "csrfmiddlewaretoken": csrf_token(page)}
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(link, data)

    return post


def png(side=64) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (side, side), (200, 30, 30)).save(out, format="PNG")
    return SimpleUploadedFile("logo.png", out.getvalue(), content_type="image/png")


def test_the_approval_email_carries_a_link_that_opens_the_manage_page(
    client, approve, make_endorsement
):
    endorsement = make_endorsement("Pending Org", status="confirmed")
    approve(endorsement)

    link = link_in(mail.outbox[-1])
    response = client.get(link)

    assert response.status_code == 200
    assert "Manage your endorsement" in response.content.decode()
    assert "no-cache" in response["Cache-Control"]


def test_a_statement_and_commitments_saved_are_public_at_once(client, save, endorser):
    lines = endorser.lines

    response = save(
        endorser,
        statement="We will connect 500 rural schools.",
        action_lines=[str(lines[1].pk), str(lines[2].pk)],
    )

    assert response.status_code == 302
    assert "Your changes are saved." in client.get(response["Location"]).content.decode()
    endorser.refresh_from_db()
    assert endorser.statement == "We will connect 500 rural schools."
    assert set(endorser.action_lines.values_list("pk", flat=True)) == {lines[1].pk, lines[2].pk}
    assert "We will connect 500 rural schools." in client.get("/endorsers/").content.decode()


def test_unchecking_every_commitment_leaves_none(save, endorser):
    data = {"action_lines": []}

    save(endorser, **data)

    assert endorser.action_lines.count() == 0


def test_a_new_website_recomputes_the_trust_level(save, endorser):
    assert endorser.trust_level == Endorsement.TrustLevel.SELF_DECLARED

    save(endorser, website="https://www.openschools.example.org/about")
    endorser.refresh_from_db()
    assert endorser.trust_level == Endorsement.TrustLevel.DOMAIN_CONFIRMED

    save(endorser, website="https://elsewhere.example.com")
    endorser.refresh_from_db()
    assert endorser.trust_level == Endorsement.TrustLevel.SELF_DECLARED


def test_a_new_name_waits_for_a_moderator_and_the_list_keeps_the_old_one(client, save, endorser):
    response = save(endorser, organisation_name="Open Schools Kenya")

    assert response.status_code == 302
    endorser.refresh_from_db()
    assert endorser.organisation_name == "Open Schools Network"
    change = EndorsementChange.objects.get()
    assert (change.organisation_name, change.status) == ("Open Schools Kenya", "pending")
    page = client.get(response["Location"]).content.decode()
    assert "You asked to be listed as" in page
    assert 'value="Open Schools Kenya"' in page
    assert "Open Schools Kenya" not in client.get("/endorsers/").content.decode()


def test_asking_for_the_current_name_again_withdraws_the_waiting_change(save, endorser):
    save(endorser, organisation_name="Open Schools Kenya")

    save(endorser, organisation_name="Open Schools Network")

    assert not EndorsementChange.objects.pending().exists()
    assert EndorsementChange.objects.get().status == "replaced"


def test_a_rename_onto_another_live_endorsers_name_is_refused_and_keeps_the_text(
    save, endorser, make_endorsement
):
    make_endorsement("Rural Schools Trust", country="KE")

    response = save(endorser, organisation_name="rural schools trust", statement="Kept <b>text</b>")

    page = response.content.decode()
    assert response.status_code == 400
    assert "Another organisation with this name has endorsed from this country" in page
    assert 'value="rural schools trust"' in page
    assert "Kept &lt;b&gt;text&lt;/b&gt;" in page
    endorser.refresh_from_db()
    assert endorser.statement == "We will connect 200 rural schools."
    assert not EndorsementChange.objects.exists()


def test_a_moderator_approves_a_change_which_is_audited_emailed_and_public(
    client, save, endorser, moderator, django_capture_on_commit_callbacks
):
    save(endorser, organisation_name="Open Schools Kenya", country="TZ")
    change = EndorsementChange.objects.get()
    client.force_login(moderator)
    queue = client.get("/moderation/changes/")
    assert "Open Schools Kenya" in queue.content.decode()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        submit(client, "/moderation/changes/", {"change": change.pk, "decision": "approve"})

    endorser.refresh_from_db()
    assert (endorser.organisation_name, endorser.country.code) == ("Open Schools Kenya", "TZ")
    assert endorser.region == "africa"
    assert AuditEntry.objects.about(endorser).get().action == "endorsement.change_approve"
    assert "now listed as \u2068Open Schools Kenya\u2069" in mail.outbox[0].body
    client.logout()
    assert "Open Schools Kenya" in client.get("/endorsers/").content.decode()


def test_a_moderator_declines_a_change_with_a_note_the_endorser_receives(
    client, save, endorser, moderator, django_capture_on_commit_callbacks
):
    save(endorser, organisation_name="Totally Different Org")
    change = EndorsementChange.objects.get()
    client.force_login(moderator)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        data = {"change": change.pk, "decision": "decline", "reason": "Not the same body."}
        submit(client, "/moderation/changes/", data)

    endorser.refresh_from_db()
    assert endorser.organisation_name == "Open Schools Network"
    assert EndorsementChange.objects.get().status == "declined"
    assert AuditEntry.objects.about(endorser).get().action == "endorsement.change_reject"
    assert "Not the same body." in mail.outbox[0].body


def test_approving_a_change_onto_a_name_taken_meanwhile_is_refused(
    client, save, endorser, moderator, make_endorsement
):
    save(endorser, organisation_name="Open Schools Kenya")
    make_endorsement("Open Schools Kenya", country="KE")
    client.force_login(moderator)

    response = submit(
        client,
        "/moderation/changes/",
        {"change": EndorsementChange.objects.get().pk, "decision": "approve"},
    )

    assert (
        "another live endorsement has this name"
        in client.get(response["Location"]).content.decode()
    )
    endorser.refresh_from_db()
    assert endorser.organisation_name == "Open Schools Network"


def test_the_changes_queue_is_for_moderators_only(client, endorser, django_user_model):
    assert client.get("/moderation/changes/").status_code == 302
    client.force_login(django_user_model.objects.create_user("someone"))
    assert client.get("/moderation/changes/").status_code == 403


@pytest.mark.parametrize("change", ["", "abc", "99999999999999999999999", "1e3", "٣"])
def test_a_malformed_change_id_is_refused_without_an_error(
    client, save, endorser, moderator, change
):
    save(endorser, organisation_name="Open Schools Kenya")  # the queue shows its form
    client.force_login(moderator)

    response = submit(client, "/moderation/changes/", {"change": change, "decision": "approve"})

    assert response.status_code in {400, 404}
    assert EndorsementChange.objects.get().status == "pending"


def test_a_stale_save_is_refused_with_both_texts_and_keeps_the_typed_text(
    client, endorser, django_capture_on_commit_callbacks
):
    link = manage_link(endorser)
    first_tab, second_tab = client.get(link), client.get(link)
    first = {**form_of(first_tab), "csrfmiddlewaretoken": csrf_token(first_tab)}
    second = {**form_of(second_tab), "csrfmiddlewaretoken": csrf_token(second_tab)}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(link, {**first, "statement": "Saved from the first tab."})

    refused = client.post(link, {**second, "statement": "Typed in the second tab."})

    page = refused.content.decode()
    assert refused.status_code == 400
    assert "changed on another page after you opened this one" in page
    assert "Saved from the first tab." in page
    assert "Typed in the second tab." in page
    endorser.refresh_from_db()
    assert endorser.statement == "Saved from the first tab."
    again = {**second, "statement": "Typed in the second tab.", "seen": form_of(refused)["seen"]}
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(link, again).status_code == 302
    endorser.refresh_from_db()
    assert endorser.statement == "Typed in the second tab."


def test_a_post_without_the_fingerprint_is_treated_as_stale(client, save, endorser):
    response = save(endorser, statement="New words", seen="")

    assert response.status_code == 400
    assert "changed on another page" in response.content.decode()


HOSTILE = {
    "script": '<script>alert("x")</script>',
    "bidi": "We \u202ecommit\u202c.",
    "csv formula": '=HYPERLINK("http://evil.example","click")',
    "odd digits": "٣٠٠ schools",
    "emoji and zero width": "Schools 🎓\u200b",
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_statement_is_stored_as_text_and_shown_escaped(client, save, endorser, text):
    save(endorser, statement=text)

    endorser.refresh_from_db()
    assert endorser.statement == text
    page = client.get(manage_link(endorser)).content.decode()
    assert "<script>alert" not in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("statement", "x" * 501, "at most 500 characters"),
        ("statement", "nul\x00byte", "Null characters are not allowed."),
        ("website", "javascript:alert(1)", "Enter a valid URL."),
        ("website", "https://" + "a" * 3000 + ".org", "Enter a valid URL."),
        ("organisation_name", "   ", "This field is required."),
        ("organisation_name", "—·—", "at least one letter or digit"),
        ("organisation_name", "N" * 201, "at most 200 characters"),
        ("country", "XX", "Select a valid choice."),
        ("country", "٣", "Select a valid choice."),
        ("action_lines", ["99999999"], "not in this version"),
        ("action_lines", ["abc"], "not in this version"),
    ],
)
def test_bad_input_is_refused_clearly_and_keeps_what_was_typed(
    save, endorser, field, value, message
):
    response = save(endorser, **{field: value})

    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    endorser.refresh_from_db()
    assert endorser.statement == "We will connect 200 rural schools."


def test_typed_text_survives_an_error_in_another_field(save, endorser):
    response = save(endorser, statement="My new statement", website="not a website")

    assert "My new statement" in response.content.decode()
    assert 'value="not a website"' in response.content.decode()


def test_a_bidi_control_in_a_new_name_is_dropped(save, endorser):
    save(endorser, organisation_name="Open \u202eSchools\u202c Kenya")

    assert EndorsementChange.objects.get().organisation_name == "Open Schools Kenya"


def test_a_duplicated_commitment_counts_once(save, endorser):
    line = str(endorser.lines[2].pk)

    assert save(endorser, action_lines=[line, line]).status_code == 302
    assert list(endorser.action_lines.values_list("pk", flat=True)) == [int(line)]


def test_a_new_logo_waits_for_a_moderator(client, save, endorser):
    response = save(endorser, logo=png())

    assert response.status_code == 302
    logo = Logo.objects.get()
    assert (logo.endorsement, logo.status) == (endorser, "pending")
    endorser.refresh_from_db()
    assert endorser.logo is None
    assert "waiting for a moderator" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("logo.svg", b"<svg><script>alert(1)</script></svg>"), "SVG logos"),
        (SimpleUploadedFile("logo.png", b"GIF89a" + b"\x00" * 40), "not a PNG, JPEG or WebP"),
        (SimpleUploadedFile("logo.png", b""), "The submitted file is empty."),
    ],
)
def test_a_hostile_logo_is_refused_with_a_message_and_nothing_is_saved(
    save, endorser, upload, message
):
    response = save(endorser, logo=upload, statement="Kept while the logo fails")

    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert "Kept while the logo fails" in page
    assert not Logo.objects.exists()
    endorser.refresh_from_db()
    assert endorser.statement == "We will connect 200 rural schools."


@pytest.mark.parametrize(
    ("status", "code", "text"),
    [
        ("confirmed", 409, "waiting for moderation"),
        ("unconfirmed", 409, "waiting for moderation"),
        ("rejected", 410, "not public"),
        ("spam", 410, "not public"),
    ],
)
def test_only_an_approved_endorsement_can_be_managed(client, make_endorsement, status, code, text):
    endorsement = make_endorsement(status=status)

    response = client.get(manage_link(endorsement))

    assert response.status_code == code
    assert text in response.content.decode()


def test_a_withdrawn_endorsement_says_so_with_410_and_has_no_export(client, endorser):
    link = manage_link(endorser)
    endorser.withdraw()

    response = client.get(link)
    assert response.status_code == 410
    assert "This endorsement was withdrawn" in response.content.decode()
    assert client.get(link + "data.json").status_code == 410


def test_a_post_to_a_withdrawn_endorsement_changes_nothing(client, endorser):
    link = manage_link(endorser)
    token = csrf_token(client.get(link))
    endorser.withdraw()

    response = client.post(link, {"csrfmiddlewaretoken": token, "statement": "Back"})

    assert response.status_code == 410
    endorser.refresh_from_db()
    assert endorser.statement == ""


def test_a_post_without_the_csrf_token_is_refused(client, endorser):
    response = client.post(manage_link(endorser), {"statement": "Forged"})

    assert response.status_code == 403


def test_an_expired_link_explains_itself_and_offers_a_new_one(client, endorser, settings):
    from django.utils import timezone

    link = manage_link(endorser)
    later = timezone.now() + timedelta(days=31)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.core.signing.time.time", lambda: later.timestamp())
        response = client.get(link)

    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    assert "/endorse/manage/" in response.content.decode()


@pytest.mark.parametrize("token", ["forged", "x" * 5000, "%00", "a:b:c"])
def test_a_forged_link_explains_itself(client, token):
    response = client.get(f"/endorse/manage/{token}/")

    assert response.status_code == 400
    assert "This link is not valid" in response.content.decode()


def test_a_link_for_another_purpose_does_not_open_the_manage_page(client, endorser):
    response = client.get(f"/endorse/manage/{endorser.link_token('withdraw')}/")

    assert response.status_code == 400


def test_a_new_link_is_emailed_to_a_public_endorser_only(
    client, endorser, make_endorsement, django_capture_on_commit_callbacks
):
    make_endorsement(status="confirmed", contact_email="waiting@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        known = submit(client, "/endorse/manage/", {"email": "AMINA@openschools.example.org"})
        waiting = submit(client, "/endorse/manage/", {"email": "waiting@example.org"})
        unknown = submit(client, "/endorse/manage/", {"email": "nobody@example.org"})

    assert known.content == waiting.content == unknown.content
    assert [message.to for message in mail.outbox] == [["amina@openschools.example.org"]]
    assert client.get(link_in(mail.outbox[0])).status_code == 200


def test_asking_for_manage_links_is_rate_limited_and_keeps_the_address(client, endorser):
    answers = [
        submit(client, "/endorse/manage/", {"email": "amina@openschools.example.org"})
        for _ in range(4)
    ]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert 'value="amina@openschools.example.org"' in answers[-1].content.decode()


def test_the_export_holds_everything_stored_and_nothing_of_staff_or_others(
    client, save, endorser, moderator, make_endorsement
):
    endorser.verification_note = "Phoned the director on her office line"
    endorser.verified_by = moderator
    endorser.save()
    make_endorsement("Someone Else", contact_email="else@example.org")
    save(endorser, organisation_name="Open Schools Kenya", logo=png())

    response = client.get(manage_link(endorser) + "data.json")

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["organisation"]["name"] == "Open Schools Network"
    assert data["contact"]["email"] == "amina@openschools.example.org"
    assert data["organisation"]["statement"] == "We will connect 200 rural schools."
    assert data["versions"][0]["content_hash"] == endorser.content_hash
    assert data["commitments"][0]["key"] == str(endorser.lines[0].key)
    assert data["commitments"][0]["text"]
    assert data["name_changes"][0]["organisation_name"] == "Open Schools Kenya"
    assert data["logos"][0]["status"] == "pending"
    assert data["status"]["approved_at"]
    text = response.content.decode()
    for private in ("Phoned the director", "moderator", "Someone Else", "else@example.org"):
        assert private not in text


def test_the_export_lists_the_emails_the_database_queue_holds(client, endorser, settings):
    from endorsements.services import enqueue_email

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    enqueue_email("manage", endorser)

    data = json.loads(client.get(manage_link(endorser) + "data.json").content)

    assert [email["kind"] for email in data["emails"]] == ["manage"]
    assert "token" not in json.dumps(data["emails"])


def test_a_saved_change_refreshes_the_public_pages_and_open_data(
    client, save, endorser, django_capture_on_commit_callbacks
):
    client.get("/endorsers/")  # cached now

    save(endorser, statement="Fresh words for the list.")

    assert "Fresh words for the list." in client.get("/endorsers/").content.decode()
    json_file = client.get("/endorsers.json")
    assert "Fresh words for the list." in b"".join(json_file.streaming_content).decode()


@pytest.mark.parametrize("others", [0, 60])
def test_the_manage_page_reads_the_same_number_of_queries_however_many_endorsed(
    client, endorser, make_endorsement, django_assert_max_num_queries, others
):
    for _ in range(others):
        make_endorsement()
    link = manage_link(endorser)
    client.get(link)  # sessions, caches and the version's text are warm

    with django_assert_max_num_queries(14):
        assert client.get(link).status_code == 200


@pytest.mark.browser
def test_an_endorser_opens_its_link_changes_its_statement_and_commitments_and_sees_them_listed(
    live_server, transactional_db, page, make_endorsement, approve, settings, tmp_path
):
    from playwright.sync_api import expect

    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    settings.SITE_URL = live_server.url
    endorsement = make_endorsement(
        "Escuelas Conectadas", country="PE", status="confirmed", statement="Our first words."
    )
    approve(endorsement)
    (approval,) = [path.read_text() for path in tmp_path.glob("*.log")]
    link = re.search(rf"{re.escape(live_server.url)}/endorse/manage/\S+/", approval).group()

    page.goto(link)
    page.get_by_label("Statement of commitment").fill("We will connect 50 Andean schools.")
    page.get_by_label(re.compile(r"^1\.2 ")).check()
    page.get_by_label(re.compile(r"^2\.1 ")).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Your changes are saved.")
    expect(page.get_by_label("Statement of commitment")).to_have_value(
        "We will connect 50 Andean schools."
    )

    page.goto(live_server.url + "/endorsers/")
    endorser = page.locator(".endorser", has_text="Escuelas Conectadas")
    expect(endorser).to_contain_text("We will connect 50 Andean schools.")
    # The list orders commitments as the database returns them, not by number.
    expect(endorser).to_contain_text(
        re.compile(r"Commits to action lines\s+(1\.2, 2\.1|2\.1, 1\.2)")
    )


@pytest.mark.browser
@pytest.mark.parametrize("language", ["", "/ar"])
def test_the_manage_page_with_errors_and_the_changes_queue_meet_wcag_aa(
    live_server, transactional_db, browser, make_endorsement, moderator, language
):
    from playwright.sync_api import expect

    from tests.test_accessibility import AXE, violations

    assert AXE.exists()
    endorsement = make_endorsement("Escuelas Conectadas", statement="Our words.")
    context = browser.new_context(bypass_csp=True, viewport={"width": 1024, "height": 768})
    page = context.new_page()
    page.goto(live_server.url + language + manage_link(endorsement))
    assert violations(page) == []
    page.locator("#id_website").fill("javascript:alert(1)")
    page.locator("#id_organisation_name").fill("Escuelas Conectadas del Perú")
    page.locator("#manage-save").click()
    expect(page.locator(".error-summary")).to_have_count(1)
    assert violations(page) == []
    page.locator("#id_website").fill("https://escuelas.example.pe")
    page.locator("#manage-save").click()
    client_page = context.new_page()
    client_page.goto(live_server.url + "/accounts/login/?next=/moderation/changes/")
    client_page.locator("input[name=username]").fill("moderator")
    client_page.locator("input[name=password]").fill("correct horse 42")
    client_page.locator("main form button[type=submit]").click()
    client_page.goto(live_server.url + language + "/moderation/changes/")
    assert client_page.locator(".change-entry").count() == 1
    assert violations(client_page) == []
    context.close()
