"""A submission is the write that takes a surge: a few queries in one short transaction, with
its confirmation email queued inside it, so that the two are committed together or not at all."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext
from django_tasks_db.models import DBTaskResult

from endorsements.models import Endorsement
from tests.html import csrf_token, submit

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}


def statements(queries) -> list[str]:
    """Each query as its verb, with the table of an INSERT: "INSERT endorsements_endorsement".
    Without the read of the public content's generation, which each process makes at most once
    a second whatever the request (declaration_site/public_cache.py): on a slow run it falls
    in the submission's request."""
    found = []
    for query in queries.captured_queries:
        if "declaration_site_publiccontentgeneration" in query["sql"]:
            continue
        insert = re.match(r'INSERT INTO "(\w+)"', query["sql"])
        found.append(f"INSERT {insert[1]}" if insert else query["sql"].split()[0])
    return found


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("ticked", [0, 2])
def test_a_submission_is_one_transaction_of_inserts_that_also_queues_its_email(
    client, form_data, settings, ticked
):
    settings.TASKS = DATABASE_TASKS
    submit(client, "/endorse/", form_data(organisation_name="The first to endorse this version"))
    data = form_data(csrfmiddlewaretoken=csrf_token(client.get("/endorse/")))
    data["action_lines"] = data["action_lines"][:ticked]

    with CaptureQueriesContext(connection) as queries:
        response = client.post("/endorse/", data)

    assert response.status_code == 302
    lines = ["INSERT endorsements_endorsement_action_lines"] if ticked else []
    assert statements(queries) == [
        "BEGIN",
        "INSERT endorsements_endorsement",
        *lines,
        "INSERT django_tasks_database_dbtaskresult",
        "COMMIT",
    ]
    endorsement = Endorsement.objects.get(organisation_name="Open Schools Network")
    assert endorsement.action_lines.count() == ticked
    email = DBTaskResult.objects.get(args_kwargs__kwargs__endorsement_id=endorsement.pk)
    assert email.status == "READY"
    assert email.args_kwargs["kwargs"] == {"kind": "confirmation", "endorsement_id": endorsement.pk}


def form_markup(response) -> str:
    """The form as shown, without its CSRF token (which differs on every view)."""
    page = response.content.decode()
    form = page[page.index("<form") : page.index("</form>")]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", form)


def test_the_empty_form_is_rendered_once_per_version_and_language(
    client, version, django_assert_num_queries
):
    first = client.get("/endorse/")

    with django_assert_num_queries(1):  # the version on screen; the form comes from the cache
        again = client.get("/endorse/")
    french = client.get("/fr/endorse/")

    assert form_markup(again) == form_markup(first)
    assert 'name="action_lines"' in form_markup(again)
    assert "Choose a country" in form_markup(again)
    with translation.override("fr"):
        in_french = gettext("Choose a country")
    assert in_french in form_markup(french)
    assert "Choose a country" not in form_markup(french)


def test_a_form_with_errors_is_shown_with_what_was_typed_not_from_the_cache(client, form_data):
    client.get("/endorse/")

    response = submit(client, "/endorse/", form_data(contact_email="not an address"))

    assert response.status_code == 200
    assert "Open Schools Network" in form_markup(response)
    assert 'aria-invalid="true"' in form_markup(response)


def test_the_page_every_submission_lands_on_is_rendered_once(client, db):
    first = client.get("/endorse/check-your-email/")

    again = client.get("/endorse/check-your-email/")

    assert first.templates[0].name == "endorsements/sent.html"
    assert again.templates == []
    assert again.status_code == 200
    assert again.content == first.content
