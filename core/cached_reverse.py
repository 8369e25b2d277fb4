"""reverse(), remembered: every reader page names the same addresses (the header's, each topic's and outlet's).

Django's reverse() walks the resolver and quotes the arguments each time,
about 50 µs; a listing named some twenty addresses a request. The answer
depends only on the URLconf, the script prefix and the arguments, which are
the key; settings.ROOT_URLCONF is part of it too, so a test that swaps it
is not answered from another URLconf.
"""

import functools

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse


def cached_reverse(viewname, *, args=(), kwargs=None):
    """reverse(viewname, args=args, kwargs=kwargs), from memory when the same address was asked for before."""
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    return _reverse(urlconf, get_script_prefix(), viewname, tuple(args), tuple(sorted((kwargs or {}).items())))


@functools.lru_cache(maxsize=8192)
def _reverse(urlconf, prefix, viewname, args, kwargs):
    # `prefix` is only the key: reverse() reads the current one, which is it.
    return reverse(viewname, urlconf=urlconf, args=args or None, kwargs=dict(kwargs) or None)
