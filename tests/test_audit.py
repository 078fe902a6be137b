"""The site's one audit log at /audit/: Publishers and Moderators read drafting, translation and
moderation in one list, filtered by what and by who; nobody else reads it."""

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.test import Client
from django.utils import timezone

from endorsements.models import Endorsement
from endorsements.services import moderate_endorsements
from principles.drafting import review, translation_services
from principles.drafting.services import start_draft
from principles.models import AuditEntry
from tests.html import parse_strict

AUDIT = "/audit/"


def person(username: str, *roles: str) -> User:
    user = User.objects.create_user(username, f"{username}@example.org", "a-long-password-1")
    user.groups.set(Group.objects.filter(name__in=roles))
    return user


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def endorsement_of(version, name: str) -> Endorsement:
    endorsement = Endorsement(
        organisation_type="ngo",
        contact_name="Contact person",
        contact_role="Director",
        contact_email=f"{name.split()[0].lower()}@example.org",
        version=version,
        content_hash=version.content_hash,
        status="confirmed",
        confirmed_at=timezone.now(),
    )
    endorsement.set_organisation(name=name, country="FR")
    endorsement.save()
    return endorsement


def moderate(endorsement: Endorsement, *, by: User) -> None:
    moderate_endorsements(
        endorsements=Endorsement.objects.filter(pk=endorsement.pk), decision="approve", moderator=by
    )


@pytest.fixture
def people(db):
    return {
        "ed": person("ed", "Editor"),
        "tom": person("tom", "Editor"),
        "mo": person("mo", "Moderator"),
        "pat": person("pat", "Publisher"),
    }


@pytest.fixture
def history(publish, declaration, people):
    """Ed starts and submits a draft, Tom starts a French translation, Mo approves an
    endorsement: two drafting entries, one translation entry, one moderation entry."""
    version = publish(principles=1, action_lines=1)
    declaration.refresh_from_db()
    draft = start_draft(declaration=declaration, by=people["ed"])
    review.submit(reviewed=draft, by=people["ed"])
    french = translation_services.start_translation(
        version=version, language="fr", by=people["tom"]
    )
    endorsement = endorsement_of(version, "Audited Org")
    moderate(endorsement, by=people["mo"])
    return {"draft": draft, "french": french, "endorsement": endorsement}


def rows(response) -> list[tuple[str, str, str]]:
    """Each entry listed: (who, about what, action)."""
    assert response.status_code == 200
    page = parse_strict(response.content)
    cells = [
        [" ".join("".join(cell.itertext()).split()) for cell in row.findall("td")]
        for row in page.findall(".//tbody/tr")
    ]
    return [(who, about, action) for _when, who, about, action, _detail in cells]


def test_the_moderator_group_may_read_the_audit_log(db):
    moderators = Group.objects.get(name="Moderator")

    assert moderators.permissions.filter(codename="view_audit_log").exists()


@pytest.mark.parametrize("reader", ["mo", "pat"])
def test_moderators_and_publishers_read_every_subsystem_with_the_names_of_what_was_done_to(
    history, people, reader
):
    listed = rows(signed_in(people[reader]).get(AUDIT))

    assert listed == [
        ("mo", "Audited Org (FR)", "Approved an endorsement"),
        ("tom", f"{history['french'].version}, French (Draft)", "Started the translation"),
        ("ed", str(history["draft"]), "Submitted for review"),
        ("ed", str(history["draft"]), "Started a draft"),
    ]


def test_editors_are_refused_and_anonymous_visitors_are_sent_to_sign_in(people):
    assert signed_in(people["ed"]).get(AUDIT).status_code == 403
    response = Client().get(AUDIT)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")


@pytest.mark.parametrize(
    ("what", "actions"),
    [
        ("drafting", ["Submitted for review", "Started a draft"]),
        ("translation", ["Started the translation"]),
        ("moderation", ["Approved an endorsement"]),
    ],
)
def test_the_log_filters_by_subsystem(history, people, what, actions):
    listed = rows(signed_in(people["pat"]).get(AUDIT, {"what": what}))

    assert [action for _who, _about, action in listed] == actions


def test_the_log_filters_by_person_and_by_one_target(history, people):
    client = signed_in(people["mo"])
    other = endorsement_of(history["french"].version, "Other Org")
    moderate(other, by=person("bea", "Moderator"))

    by_ed = rows(client.get(AUDIT, {"person": people["ed"].pk}))
    by_mo = rows(client.get(AUDIT, {"what": "moderation", "person": people["mo"].pk}))
    about_other = rows(client.get(AUDIT, {"endorsement": other.pk}))
    about_french = rows(client.get(AUDIT, {"translation": history["french"].pk}))

    assert [who for who, _about, _action in by_ed] == ["ed", "ed"]
    assert [about for _who, about, _action in by_mo] == ["Audited Org (FR)"]
    assert [(who, about) for who, about, _action in about_other] == [("bea", "Other Org (FR)")]
    assert [who for who, _about, _action in about_french] == ["tom"]


def test_each_reader_is_linked_to_the_pages_of_what_they_may_open(history, people):
    moderators_page = parse_strict(signed_in(people["mo"]).get(AUDIT).content)
    publishers_page = parse_strict(signed_in(people["pat"]).get(AUDIT).content)

    def links(page):
        return {a.get("href") for a in page.findall(".//tbody//a")}

    assert links(moderators_page) == {f"/moderation/{history['endorsement'].pk}/"}
    assert links(publishers_page) == {
        f"/drafting/{history['draft'].pk}/history/",
        f"/drafting/translations/{history['french'].pk}/history/",
    }


def test_the_drafting_audit_address_leads_to_the_drafting_part_of_the_log(history, people):
    response = signed_in(people["pat"]).get("/drafting/audit/", {"person": people["ed"].pk})

    assert response.status_code == 302
    assert response.url == f"{AUDIT}?person={people['ed'].pk}&what=drafting"


def test_a_moderator_finds_the_log_from_the_page_they_land_on(people):
    client = signed_in(people["mo"])
    landing = client.get("/accounts/start/", follow=True)

    page = parse_strict(landing.content)
    assert page.find(f".//header//a[@href='{AUDIT}']") is not None
    assert page.find(".//header//a[@href='/drafting/']") is None


def test_someone_who_may_only_read_the_log_lands_on_it(people):
    auditor = person("aud")
    auditor.user_permissions.add(Permission.objects.get(codename="view_audit_log"))

    assert signed_in(auditor).get("/accounts/start/").url == AUDIT


def test_the_log_is_in_the_reader_s_language(history, people):
    listed = rows(signed_in(people["mo"]).get(f"/fr{AUDIT}", {"what": "drafting"}))

    assert listed[0][2] == "Soumis pour relecture"


@pytest.mark.parametrize("endorsements", [2, 120])
def test_the_log_runs_the_same_queries_however_many_entries(
    history, people, django_assert_max_num_queries, endorsements
):
    version = history["french"].version
    for number in range(endorsements):
        moderate(endorsement_of(version, f"Org{number} N"), by=people["mo"])
    client = signed_in(people["pat"])

    # Session, user, permissions (2); the choices of drafts, translations and people; the count
    # and the page of entries with their people.
    with django_assert_max_num_queries(9):
        response = client.get(AUDIT)

    assert len(rows(response)) == min(endorsements + 4, 100)
    assert AuditEntry.objects.count() == endorsements + 4


@pytest.mark.parametrize(
    "query",
    [
        "?endorsement=abc",
        "?endorsement=%00",
        "?endorsement=99999999999999999999999",
        "?person=%D9%A3",
        "?draft=-1&translation=%E2%80%AE1",
        "?what=%3Cscript%3Ealert(1)%3C/script%3E",
        "?page=99999",
        "?page=%00",
        "?" + "what=drafting&" * 500,
    ],
)
def test_odd_filters_show_the_log_unfiltered_or_say_what_is_wrong_never_an_error(
    history, people, query
):
    response = signed_in(people["pat"]).get(AUDIT + query)

    assert response.status_code == 200
    assert b"<script>alert" not in response.content
    assert rows(response)
