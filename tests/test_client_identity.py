"""Who a request comes from: the same client address for the rate limits and for sign-in
lockouts, read safely from the proxy's header, and sign-in attempts that never raise a 500."""

import logging

import pytest
from django.contrib.auth.models import User
from django.test import Client, RequestFactory

from declaration_site.client_identity import client_ip
from tests.html import submit


@pytest.fixture
def behind_a_proxy(settings):
    settings.CLIENT_IP_META_KEY = "HTTP_X_REAL_IP"
    return settings


def request_with(**meta):
    return RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", **meta)


def test_behind_a_proxy_the_client_is_the_address_in_its_header(behind_a_proxy):
    assert client_ip(request_with(HTTP_X_REAL_IP="203.0.113.7")) == "203.0.113.7"
    assert client_ip(request_with(HTTP_X_REAL_IP=" 2001:DB8::1 ")) == "2001:db8::1"


def test_a_header_sent_twice_counts_the_last_valid_address_the_one_our_proxy_wrote(
    behind_a_proxy,
):
    request = request_with(HTTP_X_REAL_IP="198.51.100.1, 203.0.113.7")

    assert client_ip(request) == "203.0.113.7"
    assert client_ip(request_with(HTTP_X_REAL_IP="203.0.113.7, nonsense")) == "203.0.113.7"


@pytest.mark.parametrize("header", [None, "", "garbage", "999.1.1.1", "<script>", "1.2.3.4\x00"])
def test_a_missing_or_garbled_header_counts_the_proxy_address_and_logs_a_warning(
    behind_a_proxy, header, caplog
):
    meta = {} if header is None else {"HTTP_X_REAL_IP": header}

    with caplog.at_level(logging.WARNING, logger="declaration_site.client_identity"):
        address = client_ip(request_with(**meta))

    assert address == "10.0.0.2"
    assert "No valid client address in HTTP_X_REAL_IP" in caplog.text


def test_without_a_proxy_the_client_is_the_connection_address(settings):
    settings.CLIENT_IP_META_KEY = ""

    assert client_ip(request_with(HTTP_X_REAL_IP="203.0.113.7")) == "10.0.0.2"
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="")) == "0.0.0.0"


@pytest.mark.parametrize("header", [None, "garbage", "1.1.1.1, 2.2.2.2"])
def test_pages_behind_a_misconfigured_proxy_still_answer(behind_a_proxy, db, header):
    extra = {} if header is None else {"HTTP_X_REAL_IP": header}
    client = Client(raise_request_exception=False)

    response = submit(client, "/endorse/new-link/", {"email": "ana@example.org"}, **extra)

    assert response.status_code == 200


@pytest.fixture
def staff(db):
    return User.objects.create_user("ed", "ed@example.org", "a-long-password-1", is_staff=True)


def test_a_lockout_behind_a_proxy_applies_to_one_client_address_not_to_everyone(
    behind_a_proxy, staff
):
    guesser, colleague = Client(), Client()
    for _attempt in range(behind_a_proxy.AXES_FAILURE_LIMIT):
        submit(
            guesser,
            "/accounts/login/",
            {"username": "ed", "password": "wrong"},
            HTTP_X_REAL_IP="198.51.100.66",
        )

    locked = submit(
        guesser,
        "/accounts/login/",
        {"username": "ed", "password": "a-long-password-1"},
        HTTP_X_REAL_IP="198.51.100.66",
    )
    signed_in = submit(
        colleague,
        "/accounts/login/",
        {"username": "ed", "password": "a-long-password-1"},
        HTTP_X_REAL_IP="203.0.113.7",
    )

    assert locked.status_code == 429
    assert signed_in.status_code == 302


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_a_username_longer_than_any_column_is_a_plain_failed_sign_in(staff, path):
    client = Client(raise_request_exception=False)

    response = submit(client, path, {"username": "x" * 300, "password": "wrong"})

    assert response.status_code == 200
    assert "Please enter " in response.content.decode()
    assert 'value="' + "x" * 300 in response.content.decode()


def test_long_usernames_are_locked_out_too(staff, settings):
    client = Client()
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        submit(client, "/accounts/login/", {"username": "x" * 300, "password": "wrong"})

    response = submit(client, "/accounts/login/", {"username": "x" * 300, "password": "wrong"})

    assert response.status_code == 429
