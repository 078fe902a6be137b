"""Every endorsement page is valid HTML, runs no script and loads nothing from other sites."""

from urllib.parse import urlparse

import pytest

from endorsements.models import Endorsement
from tests.html import parse_strict, submit

PUBLIC_PAGES = [
    "/endorse/",
    "/endorse/check-your-email/",
    "/endorse/privacy/",
    "/endorse/new-link/",
    "/endorse/withdraw/",
    "/endorsers/",
    "/endorsers/?q=open&country=KE&region=africa&type=ngo&page=3",
    "/endorse/confirm/forged/",
]


def assert_self_contained(content: bytes, *, own_scripts: bool = False) -> None:
    """Valid, one heading, nothing from elsewhere; no script, or with `own_scripts` only the
    site's own files (the moderation queue's keyboard keys), never inline code."""
    page = parse_strict(content)
    scripts = page.findall(".//script")
    if own_scripts:
        assert all(s.get("src", "").startswith("/static/") and not s.text for s in scripts)
    else:
        assert scripts == []
    assert len(page.findall(".//h1")) == 1
    for element in page.iter():
        for attribute in ("src", "href"):
            url = element.get(attribute)
            if url and element.tag != "a":
                assert urlparse(url).netloc in {"", "testserver"}, url


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_endorsement_pages_are_valid_and_self_contained(client, make_endorsement, path):
    make_endorsement(name="Open Schools", country="KE", statement="<i>We</i> commit.")

    response = client.get(path)

    assert response.status_code in {200, 400}
    assert_self_contained(response.content)


@pytest.mark.parametrize("status", ["unconfirmed", "confirmed"])
def test_the_pages_behind_emailed_links_are_valid(client, make_endorsement, status):
    endorsement = make_endorsement(status=status)
    token = endorsement.link_token("confirm")

    assert_self_contained(client.get(f"/endorse/confirm/{token}/").content)
    if status == "unconfirmed":
        assert_self_contained(submit(client, f"/endorse/confirm/{token}/").content)
    token = endorsement.link_token("withdraw")
    assert_self_contained(client.get(f"/endorse/withdraw/{token}/").content)
    assert_self_contained(submit(client, f"/endorse/withdraw/{token}/").content)


def test_the_moderation_pages_are_valid_and_run_a_bounded_number_of_queries(
    client, moderator, make_endorsement, django_assert_max_num_queries
):
    for number in range(30):
        make_endorsement(name=f"Waiting {number}", status="confirmed")
    client.force_login(moderator)
    waiting = Endorsement.objects.awaiting_moderation().first()

    # Session, user, permissions (2), the page and its count, possible duplicates.
    # 8: the queue also says how many consultation contributions wait (one count).
    # 9: the logos waiting for moderation, for the whole page (one query).
    with django_assert_max_num_queries(9):
        queue = client.get("/moderation/")
    detail = client.get(f"/moderation/{waiting.pk}/")

    assert queue.content.count(b'class="queue-entry"') == 30
    assert_self_contained(queue.content, own_scripts=True)
    assert_self_contained(detail.content)
