"""
Newsroom's own settings, with their defaults in one place (django-filter's conf.py pattern).

settings.NEWSROOM_IMPORT and settings.NEWSROOM_IMAGES override any key below;
newsroom/settings.py fills them from the environment. Everything reads them
through `newsroom_settings`, at the moment it needs them, so a test that
overrides a setting is seen at once. Nothing here reads settings at import time.
"""

from django.conf import settings

MIB = 1024 * 1024

DEFAULTS = {
    # Limits on story files: they come from outside.
    "IMPORT": {
        "MAX_FILE_BYTES": 2 * MIB,
        "MAX_RELATED": 100,
        "MAX_IMAGES": 50,
        # Values (scalars, lists, mappings) in one front matter; a real story has a few hundred.
        "MAX_YAML_NODES": 20_000,
        # Files written in one transaction.
        "BATCH_SIZE": 200,
        # An upload in the admin: what the browser sends, all files together...
        "MAX_UPLOAD_BYTES": 20 * MIB,
        # ...the story files taken, archives' members included...
        "MAX_UPLOAD_FILES": 500,
        # ...what its archives may unpack to, and the entries of one archive, taken or not.
        "MAX_EXPANDED_BYTES": 50 * MIB,
        "MAX_ARCHIVE_MEMBERS": 5000,
        # Where uploads wait between the preview and the import; "" is the system's temporary folder.
        "UPLOAD_DIR": "",
    },
    # Images: fixture URLs are untrusted, so every fetch is bounded in size, time
    # and destination. Timeouts are in seconds.
    "IMAGES": {
        "MAX_BYTES": 10 * MIB,
        # Width x height; Pillow's own default (about 89 million) lets a 500 MB
        # bitmap through, far more than any news picture needs.
        "MAX_PIXELS": 40_000_000,
        "CONNECT_TIMEOUT": 5,
        "READ_TIMEOUT": 15,
        # A slow server sending a byte at a time never trips READ_TIMEOUT.
        "TOTAL_TIMEOUT": 60,
        "MAX_REDIRECTS": 5,
        # Loopback is for the tests' local server only (never from the environment).
        "ALLOW_LOOPBACK": False,
        "RENDITION_WIDTHS": (320, 640, 1280),
        # Uploaded images are served from storage; their `url` (what an export
        # writes) is made absolute with this when storage gives a relative one.
        "PUBLIC_URL": "http://localhost:8000/",
    },
    # Coverage clusters (articles.clusters, docs/clusters.md). Two titles are
    # near-duplicates at this Jaccard similarity of their words, when published
    # within the window of each other; the threshold is where precision on the
    # labelled set is 1.0 (0.5 lets short headlines sharing a product name in).
    "CLUSTERS": {
        "TITLE_THRESHOLD": 0.55,
        "TITLE_WINDOW_HOURS": 48,
        # A refresh follows links this far from the stories that changed.
        "MAX_STORIES": 500,
    },
    # Top stories (articles.ranking, docs/ranking.md): score = (heat x HEAT + quality
    # x QUALITY + other stories of its cluster x CLUSTER) x 0.5 ** (age / HALF_LIFE_HOURS).
    "RANKING": {
        "HEAT": 1.0,
        "QUALITY": 0.5,
        "CLUSTER": 10.0,
        "HALF_LIFE_HOURS": 24,
        # Candidates: the newest live stories; the decay ranks the older ones down.
        "MAX_CANDIDATES": 500,
        "SIZE": 20,
    },
    # Revisions (manage.py prune_revisions): what is older than KEEP_DAYS goes,
    # but each story keeps its newest KEEP_LATEST whatever their age.
    "REVISIONS": {
        "KEEP_DAYS": 365,
        "KEEP_LATEST": 20,
    },
}


class NewsroomSettings:
    """`newsroom_settings.IMPORT["MAX_FILE_BYTES"]`: the setting, or its default."""

    def __getattr__(self, name):
        if name not in DEFAULTS:
            raise AttributeError(f"no Newsroom setting {name!r}")
        return {**DEFAULTS[name], **getattr(settings, f"NEWSROOM_{name}", {})}


newsroom_settings = NewsroomSettings()


def max_upload_bytes():
    """The admin import page's own body limit (core.middleware, NEWSROOM_UPLOAD_PAGES)."""
    return newsroom_settings.IMPORT["MAX_UPLOAD_BYTES"]


def max_image_bytes():
    """The story form's image upload limit (core.middleware, NEWSROOM_UPLOAD_PAGES)."""
    return newsroom_settings.IMAGES["MAX_BYTES"]
