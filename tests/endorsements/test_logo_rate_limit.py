"""Checking a logo costs up to half a second of CPU, so forms sent with one are limited per
address whether they are accepted or not (ENDORSEMENT_LOGO_RATE_LIMIT); past the limit the form
keeps what was typed and asks for it without the logo."""

import pytest

from endorsements.models import Endorsement, Logo
from tests.endorsements.logo_images import image_bytes, upload
from tests.html import parse_strict, submit

TOO_MANY = "Too many logos were sent from your network in the last hour."


@pytest.fixture
def endorse_with_logo(client, form_data, django_capture_on_commit_callbacks):
    def post(name, *, logo=True, **overrides):
        data = form_data(organisation_name=name, **overrides)
        if logo:
            data["logo"] = upload(image_bytes(size=(400, 200)), name="logo.png")
        with django_capture_on_commit_callbacks(execute=True):
            return submit(client, "/endorse/", data)

    return post


def test_past_the_limit_a_logo_is_not_checked_and_the_form_keeps_what_was_typed(
    endorse_with_logo, settings
):
    settings.ENDORSEMENT_LOGO_RATE_LIMIT = "2/h"
    endorse_with_logo("Open Schools One")
    endorse_with_logo("Open Schools Two")

    response = endorse_with_logo("Open Schools Three")

    assert response.status_code == 200
    page = parse_strict(response.content)
    assert TOO_MANY in response.content.decode()
    assert page.find(".//input[@name='organisation_name']").get("value") == "Open Schools Three"
    assert Logo.objects.count() == 2
    assert not Endorsement.objects.filter(organisation_name="Open Schools Three").exists()


def test_forms_refused_for_another_reason_count_towards_the_logo_limit(endorse_with_logo, settings):
    settings.ENDORSEMENT_LOGO_RATE_LIMIT = "2/h"
    for _attempt in range(2):  # the same organisation again: refused as a duplicate
        endorse_with_logo("Open Schools")

    response = endorse_with_logo("Rural Libraries")

    assert TOO_MANY in response.content.decode()
    assert Endorsement.objects.count() == 1


def test_the_logo_limit_leaves_forms_without_a_logo_alone(endorse_with_logo, settings):
    settings.ENDORSEMENT_LOGO_RATE_LIMIT = "1/h"
    endorse_with_logo("Open Schools One")

    response = endorse_with_logo("Open Schools Two", logo=False)

    assert response.status_code == 302
    assert Endorsement.objects.count() == 2
