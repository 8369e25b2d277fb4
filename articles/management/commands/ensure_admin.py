"""ensure_admin: create a first superuser with a generated password, once."""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


def create_first_superuser(*, username: str) -> str | None:
    """Create the superuser `username` with a generated password unless one exists; returns the password."""
    User = get_user_model()
    if User.objects.filter(is_superuser=True).exists():
        return None
    password = secrets.token_urlsafe(12)
    User.objects.create_superuser(username=username, email="", password=password)
    return password


class Command(BaseCommand):
    help = "Create a superuser named USERNAME with a generated password if no superuser exists yet."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

    def handle(self, *, username, **options):
        password = create_first_superuser(username=username)
        if password is None:
            if options["verbosity"] > 1:
                self.stdout.write("A superuser exists already; nothing to do.")
            return
        # Printed once, whatever the verbosity: only the hash is stored.
        self.stdout.write(
            self.style.SUCCESS(f"Created the superuser {username!r} with the password: {password}\n")
            + "Keep it now; it is not shown again. Change it at /admin/password_change/."
        )
