"""The client's address as our own proxies report it, for the admin log-in limit (AXES_CLIENT_IP_CALLABLE)."""

import ipaddress

from django.conf import settings


def client_ip(request):
    """REMOTE_ADDR, or behind a trusted proxy the right-most X-Forwarded-For address that is not a proxy of ours.

    Only the right end of X-Forwarded-For is written by our proxies; anything
    to its left came from the client and may be forged.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    trust_all, proxies = _trusted_proxies()
    if not (trust_all or _is_in(remote, proxies)):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for entry in reversed([entry.strip() for entry in forwarded.split(",") if entry.strip()]):
        try:
            address = ipaddress.ip_address(entry)
        except ValueError:
            # Not something our proxies write: the proxy is all we know.
            return remote
        if not _is_in(address, proxies):
            return str(address)
    return remote


def _trusted_proxies():
    """("*" given, the networks): the same list gunicorn takes X-Forwarded-* from."""
    entries = settings.NEWSROOM_TRUSTED_PROXIES
    return "*" in entries, [ipaddress.ip_network(entry, strict=False) for entry in entries if entry != "*"]


def _is_in(address, networks):
    try:
        address = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(address in network for network in networks)
