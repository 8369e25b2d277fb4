import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_ensure_admin_creates_one_superuser_with_a_printed_password(capsys):
    call_command("ensure_admin")
    out = capsys.readouterr().out
    password = out.split("the password: ")[1].split()[0]
    user = get_user_model().objects.get()
    assert user.username == "admin" and user.is_superuser and user.check_password(password)
    call_command("ensure_admin")
    assert "password" not in capsys.readouterr().out
    assert get_user_model().objects.count() == 1
