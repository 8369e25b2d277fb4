"""
What a story file holds: the format's keys, its limits, and the dataclasses a parse fills in.

Pure, like the parser: no ORM and no settings (the limits' defaults are
articles.conf's DEFAULTS, read as plain data). The format is described in
docs/fixture-format.md.
"""

import datetime as dt
from dataclasses import dataclass, field

from ..canonical import canonical_url
from ..conf import DEFAULTS

FIXTURE_SUFFIXES = frozenset({".txt", ".md", ".yaml", ".yml"})

# Lengths the database columns accept (the models use the same numbers).
MAX_TITLE = 500
MAX_SHORT = 100  # category, topic
MAX_TYPE = 50
MAX_URL = 2000
MAX_PROVIDER_NAME = 200
MAX_DOMAIN = 253
MAX_TEXT = 100_000  # excerpt, featuredContent, secured, body


@dataclass(frozen=True)
class Limits:
    """What one story file may hold; the defaults are articles.conf's.

    A million tiny values in 2 MB would keep a worker busy for seconds, so
    values are counted (max_yaml_nodes) before they are built.
    """

    max_file_bytes: int = DEFAULTS["IMPORT"]["MAX_FILE_BYTES"]
    max_related: int = DEFAULTS["IMPORT"]["MAX_RELATED"]
    max_images: int = DEFAULTS["IMPORT"]["MAX_IMAGES"]
    max_yaml_nodes: int = DEFAULTS["IMPORT"]["MAX_YAML_NODES"]

    @classmethod
    def from_config(cls, config):
        """From a NEWSROOM_IMPORT-style mapping (articles.conf.newsroom_settings.IMPORT)."""
        return cls(
            max_file_bytes=config["MAX_FILE_BYTES"],
            max_related=config["MAX_RELATED"],
            max_images=config["MAX_IMAGES"],
            max_yaml_nodes=config["MAX_YAML_NODES"],
        )


DEFAULT_LIMITS = Limits()


class FixtureError(Exception):
    """A fixture that cannot be imported; the message names file, line and field."""

    def __init__(self, message, *, filename="", line=None, field=None):
        super().__init__(message)
        self.message = message
        self.filename = filename
        self.line = line
        self.field = field

    def __reduce__(self):
        return (_rebuild_error, (self.message, self.filename, self.line, self.field))

    def __str__(self):
        location = ":".join(str(part) for part in (self.filename, self.line) if part not in ("", None))
        text = f"{self.field}: {self.message}" if self.field else self.message
        return f"{location}: {text}" if location else text


def _rebuild_error(message, filename, line, field):
    return FixtureError(message, filename=filename, line=line, field=field)


@dataclass
class ImageData:
    url: str
    width: int | None = None
    height: int | None = None
    is_cached: bool | None = None
    keys: tuple = ()
    extra: dict = field(default_factory=dict)


@dataclass
class ProviderData:
    name: str = ""
    domain: str = ""
    logos: list = field(default_factory=list)
    keys: tuple = ()
    extra: dict = field(default_factory=dict)


@dataclass
class RelatedData:
    title: str = ""
    excerpt: str = ""
    published_at: dt.datetime | None = None
    web_url: str = ""
    amp_url: str = ""
    cdn_amp_url: str = ""
    type: str = ""
    provider: ProviderData | None = None
    quality: int | None = None
    images: list = field(default_factory=list)
    keys: tuple = ()
    extra: dict = field(default_factory=dict)


@dataclass
class StoryData:
    title: str = ""
    filename: str = ""
    identifier: str = ""
    category: str = ""
    excerpt: str = ""
    published_at: dt.datetime | None = None
    original_url: str = ""
    web_url: str = ""
    amp_url: str = ""
    cdn_amp_url: str = ""
    type: str = ""
    quality: int = 0
    heat: int = -1
    published: bool = False
    featured_content: str = ""
    provider: ProviderData | None = None
    topics: list = field(default_factory=list)
    images: list = field(default_factory=list)
    related: list = field(default_factory=list)
    secured: str = ""
    body: str = ""
    extra: dict = field(default_factory=dict)
    # How the file was written, so that an export writes it again byte for byte.
    keys: tuple = ()
    styles: dict = field(default_factory=dict)
    crlf: bool = False
    bom: bool = False
    content_hash: str = ""
    warnings: list = field(default_factory=list)
    # [(path, value, source text)] of strings written in a way the exporter
    # would not reproduce (see yamlload.Verbatim).
    verbatim: list = field(default_factory=list)
    # The file's bytes, when parsed from them: an import's revision keeps the
    # file itself, which costs less than its content (articles.models.Revision).
    source: bytes = field(default=b"", repr=False, compare=False)
    # Not a field (not content): {url: canonical URL} of the story's and its
    # related items' addresses, worked out by the parse worker (sources.py)
    # so that the writing process need not; canonical_of() falls back.
    canonical_urls = None

    @property
    def url_key(self):
        """The natural key: webUrl, or originalUrl when there is none."""
        return self.web_url or self.original_url

    @property
    def read_url(self):
        """The outlet's own page: originalUrl, or webUrl when there is none (Article.read_url)."""
        return self.original_url or self.web_url


# Known keys in the order an export writes them: (attribute, kind).
STORY_FIELDS = {
    "category": ("category", "plain"),
    "title": ("title", "title"),
    "excerpt": ("excerpt", "text"),
    "publishedDateTime": ("published_at", "datetime"),
    "originalUrl": ("original_url", "url"),
    "webUrl": ("web_url", "url"),
    "ampWebUrl": ("amp_url", "url"),
    "cdnAmpWebUrl": ("cdn_amp_url", "url"),
    "type": ("type", "type"),
    "quality": ("quality", "quality"),
    "heat": ("heat", "int"),
    "published": ("published", "bool"),
    "featuredContent": ("featured_content", "text"),
    "provider": ("provider", "provider"),
    "topics": ("topics", "topics"),
    "images": ("images", "images"),
    "related": ("related", "related"),
    "secured": ("secured", "text"),
}
RELATED_FIELDS = {
    "title": ("title", "title"),
    "excerpt": ("excerpt", "text"),
    "publishedDateTime": ("published_at", "datetime"),
    "webUrl": ("web_url", "url"),
    "ampWebUrl": ("amp_url", "url"),
    "cdnAmpWebUrl": ("cdn_amp_url", "url"),
    "type": ("type", "type"),
    "provider": ("provider", "provider"),
    "quality": ("quality", "quality"),
    "images": ("images", "images"),
}
IMAGE_FIELDS = {
    "url": ("url", "url"),
    "width": ("width", "dimension"),
    "height": ("height", "dimension"),
    "isCached": ("is_cached", "bool"),
}
PROVIDER_FIELDS = {
    "name": ("name", "provider_name"),
    "domain": ("domain", "domain"),
    "images": ("logos", "images"),
}


def canonical_of(story: StoryData, url: str) -> str:
    """The canonical form of one of `story`'s addresses (articles.canonical), worked out once."""
    known = story.canonical_urls
    return known[url] if known and url in known else canonical_url(url)


def with_canonical_urls(story: StoryData) -> StoryData:
    """`story` with the canonical URLs its import writes (the story's page's, its related items')."""
    urls = [story.read_url, *(related.web_url for related in story.related)]
    story.canonical_urls = {url: canonical_url(url) for url in urls}
    return story
