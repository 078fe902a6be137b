"""Addresses nobody should type still get a clear answer, never a server error."""

import pytest
from django.urls import reverse

from tests.html import submit


@pytest.mark.parametrize(
    "path",
    [
        "/versions/99999999999999999999/",
        "/versions/99999999999999999999/compare/1/",
        "/versions/1/compare/99999999999999999999/",
        "/versions/99999999999999999999/declaration.pdf",
        "/fr/versions/99999999999999999999/compare/1/",
    ],
)
def test_a_version_number_too_large_to_exist_is_a_404(client, publish, path):
    publish()

    assert client.get(path).status_code == 404


def test_the_history_of_a_version_without_revisions_is_shown(publish, make_user, signed_in):
    version = publish()

    response = signed_in(make_user("ed", "Editor")).get(
        reverse("drafting:history", args=[version.pk])
    )

    assert response.status_code == 200


def test_a_save_with_a_made_up_base_for_an_unsaved_item_goes_ahead(draft, editor, signed_in):
    action_line = draft.principles.first().action_lines.first()
    edit = reverse("drafting:edit-action-line", args=[draft.pk, action_line.pk])

    response = submit(
        signed_in(editor), edit, {"text": "New words.", "note": "", "base_revision": 999}
    )

    assert response.status_code == 302
    action_line.refresh_from_db()
    assert action_line.texts.get().text == "New words."
