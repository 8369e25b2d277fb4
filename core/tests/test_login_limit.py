"""The admin log-in limit (django-axes): per account and client address, counted in the database."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client, RequestFactory

from core.client_ip import client_ip

pytestmark = pytest.mark.django_db

PASSWORD = "right-password-123"
CLIENT = "203.0.113.5"


@pytest.fixture(autouse=True)
def accounts():
    for username in ("alice", "bob"):
        get_user_model().objects.create_user(username, password=PASSWORD, is_staff=True)


def log_in(password, *, username="alice", address=CLIENT, forwarded_for=None):
    """One try from a fresh client, as a request landing on any server process would be."""
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return Client(REMOTE_ADDR=address, headers=headers).post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}
    )


def logged_in(response):
    return response.status_code == 302 and response["Location"] == "/admin/"


def locked_out(response):
    return response.status_code == 429 and "too many login attempts" in response.content.decode()


def test_after_five_wrong_passwords_the_next_try_is_refused_even_with_the_right_password():
    for _ in range(4):
        assert "Please enter the correct username" in log_in("wrong").content.decode()
    assert locked_out(log_in("wrong"))
    assert locked_out(log_in(PASSWORD))


def test_a_locked_account_does_not_lock_out_another_account_from_the_same_address():
    for _ in range(5):
        log_in("wrong", username="alice")
    assert locked_out(log_in(PASSWORD, username="alice"))
    assert logged_in(log_in(PASSWORD, username="bob"))


def test_a_locked_account_can_still_log_in_from_another_address():
    for _ in range(5):
        log_in("wrong", address="203.0.113.66")
    assert logged_in(log_in(PASSWORD))


def test_the_count_lives_in_the_database_so_clearing_the_cache_does_not_lift_the_lock():
    for _ in range(5):
        log_in("wrong")
        cache.clear()
    assert AccessAttempt.objects.get(username="alice", ip_address=CLIENT).failures_since_start == 5
    assert locked_out(log_in(PASSWORD))


def test_the_limit_holds_with_a_cache_that_keeps_nothing(settings):
    """What a Redis outage looks like to the site (core.cache degrades to no cache)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    for _ in range(5):
        log_in("wrong")
    assert locked_out(log_in(PASSWORD))


def test_a_successful_log_in_resets_the_count():
    for _ in range(4):
        log_in("wrong")
    assert logged_in(log_in(PASSWORD))
    for _ in range(4):
        log_in("wrong")
    assert logged_in(log_in(PASSWORD))


def test_a_forged_x_forwarded_for_from_an_untrusted_client_does_not_change_the_key():
    for n in range(5):
        log_in("wrong", forwarded_for=f"198.51.100.{n}")
    assert locked_out(log_in(PASSWORD, forwarded_for="198.51.100.200"))
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {CLIENT}


def test_behind_a_trusted_proxy_the_forwarded_client_address_is_the_key(settings):
    settings.NEWSROOM_TRUSTED_PROXIES = ["10.0.0.1"]
    for _ in range(5):
        # The client forged the left part; the proxy appended what it saw.
        log_in("wrong", address="10.0.0.1", forwarded_for=f"192.0.2.1, {CLIENT}")
    assert AccessAttempt.objects.get().ip_address == CLIENT
    assert locked_out(log_in(PASSWORD, address="10.0.0.1", forwarded_for=CLIENT))
    # Another reader behind the same proxy is not locked out with them.
    assert logged_in(log_in(PASSWORD, address="10.0.0.1", forwarded_for="203.0.113.77"))


def test_staff_see_the_lock_out_in_the_admin_and_deleting_it_unlocks(admin_client):
    for _ in range(5):
        log_in("wrong")
    attempt = AccessAttempt.objects.get()
    assert "/admin/axes/accessattempt/" in admin_client.get("/admin/").content.decode()
    assert "alice" in admin_client.get("/admin/axes/accessattempt/?locked_out=yes").content.decode()

    response = admin_client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302 and not AccessAttempt.objects.exists()
    assert logged_in(log_in(PASSWORD))


# --- The client address ------------------------------------------------------


def address_of(remote, forwarded_for=None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client_ip(RequestFactory().get("/", REMOTE_ADDR=remote, headers=headers))


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded_for", "expected"),
    [
        (["127.0.0.1"], CLIENT, "198.51.100.1", CLIENT),
        (["127.0.0.1"], "127.0.0.1", None, "127.0.0.1"),
        (["127.0.0.1"], "127.0.0.1", f"198.51.100.1, {CLIENT}", CLIENT),
        (["10.0.0.0/8"], "10.0.0.1", f"198.51.100.1, {CLIENT}, 10.0.0.2", CLIENT),
        (["10.0.0.0/8"], "10.0.0.1", "10.0.0.3, 10.0.0.2", "10.0.0.1"),
        (["127.0.0.1"], "127.0.0.1", f"{CLIENT}, not-an-address", "127.0.0.1"),
        (["127.0.0.1", "::1"], "::1", "2001:DB8::0:1", "2001:db8::1"),
        (["*"], "10.9.9.9", f"198.51.100.1, {CLIENT}", CLIENT),
    ],
)
def test_client_address_is_remote_addr_or_what_our_proxies_saw(settings, proxies, remote, forwarded_for, expected):
    settings.NEWSROOM_TRUSTED_PROXIES = proxies
    assert address_of(remote, forwarded_for) == expected
