"""Opening a draft for consultation: a publisher's form with dates in UTC, languages and
audience; opening and closing on time through queued tasks (no cron), a closing moved or
brought forward, every change in the audit log, and the publishers' pages."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from principles.consultation import services
from principles.consultation.tasks import close_on_schedule, open_on_schedule
from principles.models import AuditEntry, Consultation, ConsultationStateError, Version
from tests.html import parse_strict, submit

OPEN_TASK = "principles.consultation.tasks.open_on_schedule"
CLOSE_TASK = "principles.consultation.tasks.close_on_schedule"


def minute(delta: timedelta):
    return (timezone.now() + delta).replace(second=0, microsecond=0)


def typed(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def form_data(**changes):
    return {
        "title": "Consultation on the second version",
        "slug": "",
        "introduction": "Tell us what you think of the new action line.",
        "opens_at": typed(minute(-timedelta(minutes=5))),
        "closes_at": typed(minute(timedelta(days=30))),
        "languages": ["en", "fr", "ar"],
        "audience": "public",
        **changes,
    }


def open_on_the_page(client, draft, **changes):
    return submit(client, reverse("consultation:open", args=[draft.pk]), form_data(**changes))


def queued(task_path):
    return list(DBTaskResult.objects.filter(task_path=task_path).order_by("enqueued_at"))


def run_queued(task, task_path) -> list[str]:
    """What the worker does once each queued task's time has come."""
    return [task.call(**result.args_kwargs["kwargs"]) for result in queued(task_path)]


def test_a_publisher_opens_a_draft_for_consultation_at_once_from_the_form(
    changed_draft, publisher, signed_in, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = open_on_the_page(signed_in(publisher), changed_draft)

    consultation = Consultation.objects.get()
    assert response.status_code == 302
    assert response.url == reverse(
        "consultation:manage", args=["consultation-on-the-second-version"]
    )
    assert consultation.slug == "consultation-on-the-second-version"
    assert consultation.is_open
    assert consultation.languages == ["en", "fr", "ar"]
    assert consultation.revision == changed_draft.revisions.order_by("-pk").first()
    assert consultation.created_by == publisher
    assert queued(OPEN_TASK) == []
    [closing] = queued(CLOSE_TASK)
    assert closing.run_after == consultation.closes_at
    actions = list(
        AuditEntry.objects.about(consultation).order_by("pk").values_list("action", flat=True)
    )
    assert actions == ["consultation.schedule", "consultation.open"]


def test_a_consultation_set_to_open_later_is_opened_by_its_task_then_and_once(
    changed_draft, publisher, django_capture_on_commit_callbacks
):
    opens_at, closes_at = minute(timedelta(days=1)), minute(timedelta(days=20))
    with django_capture_on_commit_callbacks(execute=True):
        consultation = services.open_consultation(
            draft=changed_draft,
            by=publisher,
            title="Later",
            slug="later",
            opens_at=opens_at,
            closes_at=closes_at,
            languages=["en"],
        )
    assert consultation.status == "scheduled"
    [opening] = queued(OPEN_TASK)
    assert opening.run_after == opens_at

    first, second = run_queued(open_on_schedule, OPEN_TASK), run_queued(open_on_schedule, OPEN_TASK)

    consultation.refresh_from_db()
    assert consultation.is_open
    assert first == ["opened Later"]
    assert second == ["skipped: no longer due to open at this time"]
    entry = AuditEntry.objects.get(action="consultation.open")
    assert entry.actor == publisher
    assert "opened on time by the task worker" in entry.detail


def test_the_closing_task_closes_it_on_time_and_tells_the_public_pages(
    changed_draft, publisher, django_capture_on_commit_callbacks
):
    from declaration_site import public_cache

    with django_capture_on_commit_callbacks(execute=True):
        consultation = services.open_consultation(
            draft=changed_draft,
            by=publisher,
            title="Now",
            slug="now",
            opens_at=minute(-timedelta(hours=1)),
            closes_at=minute(timedelta(days=2)),
            languages=["en"],
        )
    before = public_cache.generation()

    with django_capture_on_commit_callbacks(execute=True):
        outcome = run_queued(close_on_schedule, CLOSE_TASK)

    consultation.refresh_from_db()
    assert outcome == ["closed Now"]
    assert consultation.status == "closed"
    assert consultation.closed_at is not None
    assert public_cache.generation() != before
    assert AuditEntry.objects.get(action="consultation.close").actor == publisher


def test_a_moved_closing_queues_a_new_task_and_the_old_one_does_nothing(
    consultation, publisher, signed_in, django_capture_on_commit_callbacks
):
    old = consultation.closes_at
    new = minute(timedelta(days=45))
    url = reverse("consultation:manage", args=[consultation.slug])
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(signed_in(publisher), url, {"closes_at": typed(new)}, follow=True)

    assert "The closing time is changed." in response.text
    assert close_on_schedule.call(consultation_id=consultation.pk, closes_at=old.isoformat()) == (
        "skipped: no longer due to close at this time"
    )
    consultation.refresh_from_db()
    assert consultation.closes_at == new
    assert consultation.is_open
    [task] = queued(CLOSE_TASK)
    assert task.run_after == new
    entry = AuditEntry.objects.get(action="consultation.schedule")
    assert entry.detail.endswith(f"to {new:%Y-%m-%d %H:%M} UTC")


def test_a_closing_time_in_the_past_is_refused_and_shown_again(consultation, publisher, signed_in):
    url = reverse("consultation:manage", args=[consultation.slug])
    response = submit(signed_in(publisher), url, {"closes_at": "2020-01-02T03:04"})

    assert response.status_code == 400
    assert "Choose a closing time in the future, after the opening." in response.text
    assert 'value="2020-01-02T03:04"' in response.text
    parse_strict(response.content)


def test_a_publisher_closes_a_consultation_early_and_its_task_then_does_nothing(
    consultation, publisher, signed_in, django_capture_on_commit_callbacks
):
    client = signed_in(publisher)
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(
            client,
            reverse("consultation:close", args=[consultation.slug]),
            page=reverse("consultation:manage", args=[consultation.slug]),
            follow=True,
        )

    consultation.refresh_from_db()
    assert "The consultation is closed." in response.text
    assert consultation.status == "closed"
    assert AuditEntry.objects.get(action="consultation.close").detail.endswith("closed early")
    assert close_on_schedule.call(
        consultation_id=consultation.pk, closes_at=consultation.closes_at.isoformat()
    ).startswith("skipped")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {
                "opens_at": typed(minute(timedelta(days=3))),
                "closes_at": typed(minute(timedelta(days=2))),
            },
            "The consultation must close after it opens.",
        ),
        ({"closes_at": "2021-05-06T07:08"}, "Choose a closing time in the future."),
        ({"languages": []}, "Choose at least one language."),
        ({"slug": "manage"}, "This address is taken by the site itself"),
        ({"slug": "Déclaration 2"}, "such as declaration-2"),
        ({"closes_at": "not a date"}, "Enter a valid date/time."),
        ({"title": "<script>alert(1)</script>"}, "HTML tags and scripts are not allowed."),
        ({"introduction": "Read \u202ethis"}, "invisible control characters"),
        ({"title": "x" * 201}, "at most 200 characters"),
        ({"title": "Nul\x00"}, "Null characters are not allowed."),
        ({"title": "مشاورة"}, "Type an address: the title has no letters an address can hold."),
        ({"audience": "everybody"}, "Select a valid choice."),
    ],
)
def test_a_refused_form_says_why_and_keeps_what_was_typed(
    changed_draft, publisher, signed_in, changes, message
):
    response = open_on_the_page(signed_in(publisher), changed_draft, **changes)

    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    parse_strict(response.content)
    data = form_data(**changes)
    if "introduction" not in changes:
        assert data["introduction"] in page
    for name in ["opens_at", "closes_at"]:
        assert f'value="{data[name]}"' in page
    checked = re.findall(r'name="languages" value="([a-z-]+)"[^>]*checked', page)
    assert sorted(checked) == sorted(data["languages"])
    assert not Consultation.objects.exists()


def test_an_address_already_taken_is_refused(changed_draft, consultation, publisher, signed_in):
    response = open_on_the_page(signed_in(publisher), changed_draft, slug=consultation.slug)

    assert response.status_code == 400
    assert "Another consultation has this address: choose another." in response.text
    assert Consultation.objects.count() == 1


@pytest.mark.parametrize("status", [Version.Status.PUBLISHED, Version.Status.DISCARDED])
def test_a_published_or_discarded_version_cannot_be_opened(
    declaration, draft, publisher, signed_in, status
):
    version = declaration.current_version if status == "published" else draft
    if status == "discarded":
        Version.objects.filter(pk=draft.pk).update(status=status)
    response = signed_in(publisher).get(
        reverse("consultation:open", args=[version.pk]), follow=True
    )

    assert "Only a draft can be opened for consultation" in response.text
    with pytest.raises(ConsultationStateError):
        services.open_consultation(
            draft=Version.objects.get(pk=version.pk),
            by=publisher,
            title="No",
            slug="no",
            opens_at=minute(timedelta()),
            closes_at=minute(timedelta(days=1)),
            languages=["en"],
        )


def test_an_invited_only_round_is_opened_as_such(changed_draft, publisher, signed_in):
    open_on_the_page(signed_in(publisher), changed_draft, audience="invited", slug="advisory")

    assert Consultation.objects.get().is_invited_only


def test_people_without_the_permission_are_refused_every_publisher_page(
    consultation, changed_draft, editor, signed_in, client
):
    urls = [
        reverse("consultation:manage-list"),
        reverse("consultation:open", args=[changed_draft.pk]),
        reverse("consultation:manage", args=[consultation.slug]),
        reverse("consultation:invite", args=[consultation.slug]),
    ]
    for url in urls:
        assert client.get(url).status_code == 302, url  # anonymous: to sign in
    editor_client = signed_in(editor)
    for url in urls:
        assert editor_client.get(url).status_code == 403, url
    close_url = reverse("consultation:close", args=[consultation.slug])
    assert editor_client.post(close_url).status_code == 403
    consultation.refresh_from_db()
    assert consultation.is_open


def test_the_draft_page_offers_publishers_to_open_it_and_lists_its_consultations(
    consultation, changed_draft, publisher, editor, signed_in, client
):
    draft_url = reverse("drafting:draft", args=[changed_draft.pk])
    open_url = reverse("consultation:open", args=[changed_draft.pk])

    page = signed_in(publisher).get(draft_url).content.decode()
    assert open_url in page
    assert reverse("consultation:manage", args=[consultation.slug]) in page

    client.logout()
    page = signed_in(editor).get(draft_url).content.decode()
    assert open_url not in page
    assert reverse("consultation:detail", args=[consultation.slug]) in page


def test_the_form_is_prefilled_with_the_draft_s_title_and_every_language(
    changed_draft, publisher, signed_in
):
    response = signed_in(publisher).get(reverse("consultation:open", args=[changed_draft.pk]))

    page = response.content.decode()
    assert "Consultation on Test Declaration" in page
    assert "Opens at (UTC)" in page
    assert "Closes at (UTC)" in page
    assert page.count('type="checkbox" name="languages"') == 6
    parse_strict(response.content)


@pytest.mark.parametrize("size", [1, 30])
def test_the_publishers_pages_run_a_bounded_number_of_queries(
    changed_draft,
    make_consultation,
    contribute,
    publisher,
    signed_in,
    django_assert_num_queries,
    size,
):
    from principles.models import Invitation

    for number in range(size):
        consultation = make_consultation(changed_draft, slug=f"c-{number}", open=number % 2 == 0)
    for number in range(size):
        contribute(consultation)
        Invitation.objects.create(
            consultation=consultation,
            organisation_name=f"Org {number}",
            email=f"org{number}@example.org",
            invited_by=publisher,
        )
    client = signed_in(publisher)
    client.get(reverse("consultation:manage-list"))  # the session and permissions once

    # The same whatever the number of consultations, contributions and invitations.
    for url, expected in [
        (reverse("consultation:manage-list"), 5),
        (reverse("consultation:manage", args=[consultation.slug]), 7),
    ]:
        with django_assert_num_queries(expected):
            response = client.get(url)
        assert response.status_code == 200
        parse_strict(response.content)


@pytest.mark.parametrize("language", ["fr", "es", "ar", "ru", "zh-hans"])
def test_the_publishers_pages_speak_every_language(
    consultation, changed_draft, publisher, signed_in, language
):
    client = signed_in(publisher)
    with translation.override(language):
        urls = [
            reverse("consultation:manage-list"),
            reverse("consultation:open", args=[changed_draft.pk]),
            reverse("consultation:manage", args=[consultation.slug]),
            reverse("consultation:invite", args=[consultation.slug]),
        ]
    for url in urls:
        response = client.get(url)
        root = parse_strict(response.content)
        assert response.status_code == 200, url
        assert root.get("lang") == language
        assert root.get("dir") == ("rtl" if language == "ar" else "ltr")
    assert "Open for consultation" not in client.get(urls[1]).content.decode()


def test_the_demo_seeding_opens_one_public_consultation_on_a_changed_draft_once(declaration, draft):
    from django.core.management import call_command

    call_command("seed_consultation", stdout=StringIO())
    call_command("seed_consultation", stdout=StringIO())

    consultation = Consultation.objects.get()
    assert consultation.is_open
    assert not consultation.is_invited_only
    assert consultation.draft == draft
    assert len(consultation.languages) == 6
    declaration.refresh_from_db()
    assert consultation.text != declaration.current_version.snapshot()
    assert list(Consultation.objects.listed()) == [consultation]


def test_setting_up_or_moving_a_consultation_makes_the_public_pages_stale(
    changed_draft, publisher, django_capture_on_commit_callbacks
):
    from declaration_site import public_cache

    generations = [public_cache.generation()]
    with django_capture_on_commit_callbacks(execute=True):
        consultation = services.open_consultation(
            draft=changed_draft,
            by=publisher,
            title="Later",
            slug="later",
            opens_at=minute(timedelta(days=1)),
            closes_at=minute(timedelta(days=9)),
            languages=["en"],
        )
    generations.append(public_cache.generation())
    with django_capture_on_commit_callbacks(execute=True):
        services.move_closing(
            consultation=consultation, by=publisher, closes_at=minute(timedelta(days=10))
        )
    generations.append(public_cache.generation())

    assert len(set(generations)) == 3


def test_two_publishers_sending_the_same_address_open_one_consultation(
    changed_draft, publisher, make_user
):
    from django.test import Client

    from tests.html import csrf_token

    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(publisher)
    second.force_login(make_user("paula", "Publisher"))
    url = reverse("consultation:open", args=[changed_draft.pk])
    pages = [first.get(url), second.get(url)]

    responses = [
        client.post(url, {**form_data(slug="round"), "csrfmiddlewaretoken": csrf_token(page)})
        for client, page in zip([first, second], pages, strict=True)
    ]

    assert [response.status_code for response in responses] == [302, 400]
    assert "Another consultation has this address" in responses[1].content.decode()
    assert Consultation.objects.get().created_by == publisher
