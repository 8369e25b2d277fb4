"""
URLs in the canonical form stories are compared in: one page, one string.

The rules are ours and listed in docs/canonical-urls.md; the mechanics of
URL syntax (percent-encoding, IDNA host names, sorted query arguments) are
w3lib's `canonicalize_url`, the one Scrapy uses on billions of pages.

Pure: no ORM and no settings, so the parser, the import's plan and the
models can all use it.
"""

import functools
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url as _w3lib_canonicalize

# The column holding it (Article.canonical_url, RelatedLink.canonical_url).
MAX_CANONICAL = 2000

# Query arguments that say how a reader came, never which page: dropped.
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "oly_")
TRACKING_PARAMETERS = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "mkt_tok",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "__twitter_impression",
        "vero_id",
        "ncid",
        "ocid",
        "cmpid",
        "sr_share",
        "ref_src",
        "ref_url",
        "smid",
    }
)
# Query arguments that ask for the AMP rendering of the same page.
AMP_PARAMETERS = frozenset({"amp", "amp_js_v", "amp_gsa", "usqp", "_amp"})
AMP_CACHE_SUFFIX = ".cdn.ampproject.org"
# /c/ the document, /v/ the viewer; an `s/` after it means the page is https.
_AMP_CACHE_PATH = re.compile(r"^/(?:c|v)/(?:s/)?(?P<rest>[^/].*)$")
# Google's AMP viewer: https://www.google.com/amp/s/www.example.com/story
_GOOGLE_AMP_PATH = re.compile(r"^/amp/(?:s/)?(?P<rest>[^/]+\..*)$")
_DEFAULT_PORTS = {"http": 80, "https": 443}


# The plainest addresses, most of a story file's: lower-case host names of
# letters, digits and single hyphens ending in a name (no IDNA, no IPv4), a path
# of unreserved characters without "." or ".." segments, no port, user, query or
# fragment. w3lib leaves them as they are, so only our rules apply; the tests
# hold both ways to the same result.
_LABEL = r"[a-z0-9](?:[a-z0-9]|-(?!-)){0,62}"
_PLAIN_URL = re.compile(rf"https?://((?:{_LABEL}\.)*[a-z](?:[a-z0-9]|-(?!-)){{0,62}})(/[A-Za-z0-9_~/.-]*)?")
_DOT_SEGMENT = re.compile(r"(?:^|/)\.\.?(?:/|$)")


# An import meets the same related pages again and again.
@functools.lru_cache(maxsize=8192)
def canonical_url(url: str) -> str:
    """The canonical form of an http(s) `url`; "" for an empty one, the stripped text for one that is not http(s)."""
    url = (url or "").strip()
    plain = _PLAIN_URL.fullmatch(url)
    if plain and _plain_parts(*plain.groups()):
        # w3lib took 20-25 µs an address, for addresses it does not change: a tenth of the parse floor per story.
        return f"https://{_host(plain[1])}{_path(plain[2] or '')}"[:MAX_CANONICAL]
    return _canonical_url(url)


def _plain_parts(host, path):
    return (
        len(host) <= 253
        and not host.endswith(AMP_CACHE_SUFFIX)
        and host not in ("google.com", "www.google.com")
        and not (path and _DOT_SEGMENT.search(path))
    )


def _canonical_url(url):
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return url
    # An AMP cache or viewer address holds the page's own: unwrap it first.
    url = _unwrap_amp_cache(url, parts)
    try:
        parts = urlsplit(_w3lib_canonicalize(url, keep_fragments=False))
    except ValueError:
        # A host w3lib cannot encode (an invalid IDNA label): compare the text as it is.
        return url[:MAX_CANONICAL]
    host = _host(parts.hostname or "")
    if ":" in host:
        # An IPv6 address keeps its brackets, or the port (and the address) could not be told apart.
        host = f"[{host}]"
    # The scheme's own default port says nothing, nor does 443, the default of the https the
    # canonical form is written in (so that it is its own canonical form); https://host:80/
    # is another server.
    if parts.port is not None and parts.port not in (_DEFAULT_PORTS[parts.scheme], 443):
        host = f"{host}:{parts.port}"
    path = _path(parts.path)
    query = urlencode(
        [(name, value) for name, value in parse_qsl(parts.query, keep_blank_values=True) if _kept(name, value)]
    )
    return urlunsplit(("https", host, path, query, ""))[:MAX_CANONICAL]


def _unwrap_amp_cache(url, parts):
    host = (parts.hostname or "").lower()
    if host.endswith(AMP_CACHE_SUFFIX):
        match = _AMP_CACHE_PATH.match(parts.path)
    elif host in ("google.com", "www.google.com"):
        match = _GOOGLE_AMP_PATH.match(parts.path)
    else:
        match = None
    if not match:
        return url
    inner = f"https://{match['rest']}"
    return f"{inner}?{parts.query}" if parts.query else inner


def _host(host):
    host = host.lower().rstrip(".")
    labels = host.split(".")
    # www.example.com and example.com are one site; amp.example.com is its AMP
    # edition. Never down to a bare suffix: amp.dev stays amp.dev.
    while len(labels) > 2 and labels[0] in ("www", "amp"):
        labels = labels[1:]
    if len(labels) == 2 and labels[0] == "www":
        return host
    return ".".join(labels)


def _path(path):
    segments = [segment for segment in path.split("/") if segment]
    # Every AMP marker goes, until none is left, so that the canonical form of a canonical form
    # is itself; a lone /amp stays (a site's AMP home or section, not a story to fold into the
    # site's root).
    while True:
        before = list(segments)
        if len(segments) > 1 and segments[-1] == "amp":
            segments.pop()
        if len(segments) > 1 and segments[0] == "amp":
            segments.pop(0)
        if segments:
            last = segments[-1]
            if last.endswith(".amp.html"):
                segments[-1] = last[: -len(".amp.html")] + ".html"
            elif last.endswith(".amp") and len(last) > len(".amp"):
                segments[-1] = last[: -len(".amp")]
        if segments == before:
            break
    # /story and /story/ are one page; empty segments (a//b) say nothing either.
    return "/" + "/".join(segments)


def _kept(name, value):
    lowered = name.lower()
    if lowered in TRACKING_PARAMETERS or lowered.startswith(TRACKING_PREFIXES):
        return False
    if lowered in AMP_PARAMETERS:
        return False
    return not (lowered == "outputtype" and value.lower() == "amp")
