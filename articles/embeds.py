"""Videos from upstream embeds, shown through an iframe the site builds itself.

Upstream `featured_content` is untrusted markup: it is read here, never put in
a page. Only a YouTube video id survives, checked by a strict pattern, and the
player URL is built from it on a host the Content-Security-Policy allows.
"""

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

from .outlets import split_as_browsers_do

YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")
YOUTUBE_HOSTS = {
    "youtube.com",
    "www.youtube.com",
    "m.youtube.com",
    "music.youtube.com",
    "gaming.youtube.com",
    "youtube-nocookie.com",
    "www.youtube-nocookie.com",
}
SHORT_HOSTS = {"youtu.be", "www.youtu.be"}
# The host of every player we build: the Content-Security-Policy's frame-src (core.middleware) allows it alone.
PLAYER_HOST = "www.youtube-nocookie.com"
EMBED_URL = f"https://{PLAYER_HOST}/embed/{{}}"
# /embed/ID, /shorts/ID, /live/ID, and the old /v/ID and /e/ID players.
ID_PATHS = ("embed", "shorts", "live", "v", "e")


class _IframeSources(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.sources = []

    def handle_starttag(self, tag, attrs):
        if tag == "iframe":
            self.sources.append(dict(attrs).get("src") or "")


def iframe_sources(markup):
    parser = _IframeSources()
    parser.feed(markup or "")
    parser.close()
    return parser.sources


def youtube_id_from_url(url):
    """The video id of any YouTube video URL (watch?v=, youtu.be/, /embed/, /shorts/, /live/...), or None."""
    try:
        parts = split_as_browsers_do(url)
        host = (parts.hostname or "").lower().rstrip(".")
    except ValueError:
        return None
    # A scheme-relative src (//www.youtube.com/...) is common in embeds.
    if parts.scheme.lower() not in {"http", "https", ""}:
        return None
    segments = [segment for segment in parts.path.split("/") if segment]
    candidate = None
    if host in SHORT_HOSTS:
        candidate = segments[0] if segments else None
    elif host in YOUTUBE_HOSTS:
        if parts.path.rstrip("/") == "/watch":
            candidate = (parse_qs(parts.query).get("v") or [""])[0]
        elif len(segments) >= 2 and segments[0] in ID_PATHS:
            candidate = segments[1]
    # "videoseries" (a playlist player) has the shape of an id but is none.
    if candidate and candidate != "videoseries" and YOUTUBE_ID.fullmatch(candidate):
        return candidate
    return None


def youtube_video_id(featured_content, original_url=""):
    """The id of the YouTube video `featured_content` embeds, or None.

    Only a YouTube iframe counts; its id comes from the iframe's src or, when
    that carries none (a playlist player, say), from the story's original URL.
    Any other embed gives None: it is not shown at all.
    """
    for src in iframe_sources(featured_content):
        try:
            host = (urlsplit(src.strip()).hostname or "").lower()
        except ValueError:
            continue
        if host in YOUTUBE_HOSTS:
            return youtube_id_from_url(src) or youtube_id_from_url(original_url)
    return None


def story_video_id(featured_content, original_url="", web_url=""):
    """The YouTube video of a story: its embed's, else the one its original or web URL points to; or None."""
    return (
        youtube_video_id(featured_content, original_url)
        or youtube_id_from_url(original_url)
        or youtube_id_from_url(web_url)
    )


def youtube_embed_url(video_id):
    if not video_id or not YOUTUBE_ID.fullmatch(video_id):
        raise ValueError(f"not a YouTube video id: {video_id!r}")
    return EMBED_URL.format(video_id)
