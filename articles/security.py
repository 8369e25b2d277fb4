"""Rate limiting of admin log-ins, per user name and per address."""

import hashlib

from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.cache import cache
from django.core.exceptions import ValidationError

MAX_FAILURES_PER_USER_AND_ADDRESS = 5
MAX_FAILURES_PER_ADDRESS = 20
WINDOW_SECONDS = 15 * 60


def _client_address(request):
    # REMOTE_ADDR only: X-Forwarded-For is written by the client unless a
    # trusted proxy rewrites it, and trusting it would make the limit moot.
    return request.META.get("REMOTE_ADDR", "") if request else ""


def _keys(request, username):
    address = _client_address(request)
    user_key = hashlib.sha256(f"{username.lower()}|{address}".encode()).hexdigest()
    return f"login-failures:user:{user_key}", f"login-failures:addr:{address}"


def _bump(key):
    try:
        cache.add(key, 0, WINDOW_SECONDS)
        cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, WINDOW_SECONDS)


class RateLimitedAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin log-in form, refusing further tries after too many failures.

    The check runs before the password is tested, so a locked-out attacker
    learns nothing more, even with the right password.
    """

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "rate_limited": "Too many failed log-in attempts. Try again in 15 minutes.",
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        user_key, address_key = _keys(self.request, username)
        if (cache.get(user_key) or 0) >= MAX_FAILURES_PER_USER_AND_ADDRESS or (
            cache.get(address_key) or 0
        ) >= MAX_FAILURES_PER_ADDRESS:
            raise ValidationError(self.error_messages["rate_limited"], code="rate_limited")
        try:
            cleaned = super().clean()
        except ValidationError:
            _bump(user_key)
            _bump(address_key)
            raise
        cache.delete(user_key)
        return cleaned
