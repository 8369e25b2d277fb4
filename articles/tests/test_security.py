import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clear_cache():
    cache.clear()
    yield
    cache.clear()


def log_in(client, password, address="10.1.1.1", username="editor"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def test_admin_login_is_refused_after_five_failures_even_with_the_right_password(client):
    get_user_model().objects.create_user("editor", password="right-password-123", is_staff=True)
    for _ in range(5):
        assert "Please enter the correct username" in log_in(client, "wrong").content.decode()
    response = log_in(client, "right-password-123")
    assert response.status_code == 200
    assert "Too many failed log-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_limit_is_per_user_and_address(client):
    get_user_model().objects.create_user("editor", password="right-password-123", is_staff=True)
    for _ in range(5):
        log_in(client, "wrong", address="10.1.1.1")
    response = log_in(client, "right-password-123", address="10.2.2.2")
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_one_address_trying_many_users_is_limited_too(client):
    for n in range(20):
        log_in(client, "wrong", username=f"user{n}")
    assert "Too many failed log-in attempts" in log_in(client, "wrong", username="someone").content.decode()


def test_a_successful_login_resets_the_count(client):
    get_user_model().objects.create_user("editor", password="right-password-123", is_staff=True)
    for _ in range(4):
        log_in(client, "wrong")
    assert log_in(client, "right-password-123").status_code == 302
    client.logout()
    for _ in range(4):
        log_in(client, "wrong")
    assert log_in(client, "right-password-123").status_code == 302
