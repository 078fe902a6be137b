"""Every public page and form, fed what strangers send (nothing, a megabyte, NUL bytes, bidi
controls, markup, spreadsheet formulas, digits that are not ASCII, a parameter twice), answers
with a page, never a 500."""

import pytest
from django.test import Client

from tests.html import csrf_token

ODD_VALUES = {
    "empty": "",
    "huge": "x" * 1024 * 1024,
    "nul": "a\x00b",
    "bidi": "\u202eevil\u202c\u2067x\u2069",
    "html": "<script>alert(1)</script>",
    "formula": '=HYPERLINK("http://x")',
    "superscript digit": "²",
    "arabic digit": "٣",
    "negative": "-1",
    "long number": "9" * 40,
}
QUERY_NAMES = [
    "q",
    "page",
    "country",
    "region",
    "type",
    "trust",
    "version",
    "snapshot",
    "language",
    "next",
]
PAGES = [
    "/",
    "/versions/",
    "/versions/1/",
    "/versions/1/compare/1/",
    "/verify/",
    "/endorse/",
    "/endorse/check-your-email/",
    "/endorse/privacy/",
    "/endorse/new-link/",
    "/endorse/withdraw/",
    "/endorsers/",
    "/endorsers/count.json",
    "/accounts/login/",
    "/admin/login/",
    "/ar/endorsers/",
    "/fr/verify/",
]
FORMS = {
    "/endorse/": [
        "version",
        "organisation_name",
        "organisation_type",
        "country",
        "website",
        "contact_name",
        "contact_role",
        "contact_email",
        "statement",
        "action_lines",
        "attestation",
        "consent",
        "nickname",
    ],
    "/endorse/new-link/": ["email"],
    "/endorse/withdraw/": ["email"],
    "/accounts/login/": ["username", "password", "next"],
    "/admin/login/": ["username", "password", "next"],
    "/verify/": ["pdf", "version"],
}
LINKS = [
    "/endorse/confirm/{}/",
    "/endorse/withdraw/{}/",
    "/endorse/reconfirm/{}/",
    "/endorsers/certificate/{}.pdf",
]


@pytest.fixture
def stranger(publish, pdf_settings, settings):
    publish(principles=2, action_lines=2)
    settings.RATELIMIT_ENABLE = False
    return Client(raise_request_exception=False)


def server_errors(answers) -> list:
    return [
        (what, response.status_code) for what, response in answers if response.status_code >= 500
    ]


@pytest.mark.parametrize("kind", ODD_VALUES)
def test_odd_query_parameters_never_raise_a_server_error(stranger, kind):
    # A web server refuses an address much longer than a few KB before Django sees it.
    value = ODD_VALUES[kind][: 16 * 1024]
    answers = []
    for path in PAGES:
        answers.append((path, stranger.get(path, dict.fromkeys(QUERY_NAMES, value))))
        # A valid version number lets the other parameters reach the database.
        query = {**dict.fromkeys(QUERY_NAMES, value), "version": "1", "page": "1"}
        answers.append((path + " with version 1", stranger.get(path, query)))
        doubled = "&".join(f"{name}=1&{name}=2" for name in QUERY_NAMES)
        answers.append((path + "?" + doubled, stranger.get(path + "?" + doubled)))

    assert server_errors(answers) == []


@pytest.mark.parametrize("kind", ODD_VALUES)
def test_odd_form_fields_never_raise_a_server_error(stranger, kind):
    value = ODD_VALUES[kind]
    answers = []
    for path, fields in FORMS.items():
        token = csrf_token(stranger.get(path))
        data = dict.fromkeys(fields, value)
        answers.append((path, stranger.post(path, {**data, "csrfmiddlewaretoken": token})))
        doubled = {name: [value, value] for name in fields}
        answers.append(
            (path + " twice", stranger.post(path, {**doubled, "csrfmiddlewaretoken": token}))
        )

    assert server_errors(answers) == []


@pytest.mark.parametrize("kind", ODD_VALUES)
def test_odd_link_tokens_never_raise_a_server_error(stranger, kind):
    value = ODD_VALUES[kind][:2000] or "x"
    answers = [(link, stranger.get(link.format(value))) for link in LINKS]

    assert server_errors(answers) == []
