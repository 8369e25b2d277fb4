"""Which outlet a link goes to: the story's provider when the link is on its domain, else the domain itself.

Pure (no models): Article.read_outlet and the templates use it.
"""

import unicodedata
from urllib.parse import urlsplit


def split_as_browsers_do(url):
    """urlsplit(url), reading a backslash before the query as a slash, as browsers do (WHATWG URL).

    urlsplit() takes "https://evil.example\\@outlet.com/" for a user at
    outlet.com; a browser goes to evil.example. Imports refuse such URLs
    (stories.parse); rows written before that are read as a reader reaches them.
    """
    url = str(url or "").strip()
    end = min((i for i in (url.find("?"), url.find("#")) if i >= 0), default=len(url))
    return urlsplit(url[:end].replace("\\", "/") + url[end:])


def link_host(url):
    """The lower-case host name of an http(s) URL, as a browser reaches it, or "" for anything else."""
    try:
        parts = split_as_browsers_do(url)
        host = parts.hostname or ""
    except ValueError:
        return ""
    if parts.scheme.lower() not in {"http", "https"}:
        return ""
    return host.lower().rstrip(".")


def shown_domain(url):
    """The host as a reader recognises it: "www.nytimes.com" -> "nytimes.com".

    A label that mixes scripts ("micrоsoft" with a Cyrillic о), or is written
    only in Cyrillic or Greek letters that look Latin ("аррӏе" under .com), is
    shown in its ASCII form (xn--...), as browsers show it: in Unicode it would
    read as the name it imitates.
    """
    labels = link_host(url).removeprefix("www.").split(".")
    latin_zone = labels[-1].isascii()
    return ".".join(
        _ascii_label(label) if _mixes_scripts(label) or (latin_zone and _looks_latin(label)) else label
        for label in labels
    )


def _mixes_scripts(label):
    scripts = {_script(c) for c in label if c.isalpha() and not c.isascii()}
    if any(c.isascii() and c.isalpha() for c in label):
        scripts.add("LATIN")
    if "HAN" in scripts:
        # Japanese, Chinese and Korean names mix Han with their own scripts and Latin, as browsers allow.
        scripts.discard("LATIN")
    return len(scripts) > 1


# Cyrillic and Greek letters read as Latin ones (а, с, ԁ, е, һ, і, ј, ӏ, о, р, ԛ, ѕ, ԝ, х, у; α, ι, κ, ν, ο, ρ,
# υ, χ, ϲ): a name of them alone imitates a Latin one. Browsers show such a name in ASCII under a
# Latin top-level domain; under .рф or .ελ it is an ordinary name.
_LATIN_LOOKALIKES = frozenset("асԁеһіјӏорԛѕԝхуүѵҽ" + "αικνορυχϲ")


def _looks_latin(label):
    return not label.isascii() and all(c in _LATIN_LOOKALIKES or c.isdigit() or c == "-" for c in label)


# Scripts written together with Han characters, one family here.
_HAN_FAMILY = frozenset({"CJK", "HIRAGANA", "KATAKANA", "KATAKANA-HIRAGANA", "HANGUL", "BOPOMOFO", "IDEOGRAPHIC"})


def _script(character):
    script = unicodedata.name(character, "?").split()[0]
    return "HAN" if script in _HAN_FAMILY else script


def _ascii_label(label):
    return "xn--" + label.encode("punycode").decode("ascii")


def on_domain(url, domain):
    """Whether the URL's host is `domain` or one of its subdomains (blog.example.com on example.com)."""
    host, domain = link_host(url), (domain or "").lower().strip(".")
    return bool(host and domain) and (host == domain or host.endswith("." + domain))


def outlet_name(url, provider=None):
    """Who a reader reaches through `url`: the provider's name on its own domain, else the domain as shown."""
    if provider is not None and on_domain(url, provider.domain):
        return provider.name
    return shown_domain(url)
