"""
Newsroom's own settings, with their defaults in one place (django-filter's conf.py pattern).

settings.NEWSROOM_IMPORT, NEWSROOM_IMAGES, NEWSROOM_REVISIONS and NEWSROOM_WORKFLOW override any key below;
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
        "MAX_UPLOAD_FILES": 100_000,
        # ...what its archives may unpack to, and the entries of one archive, taken or not.
        # (The request holds them in memory while it checks them: the preview and import are jobs.)
        "MAX_EXPANDED_BYTES": 512 * MIB,
        "MAX_ARCHIVE_MEMBERS": 100_000,
        # Where uploads wait between the preview and the import; "" is the system's temporary folder.
        # The preview's worker reads them there: on several machines, a shared folder.
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
    # Background jobs (articles.jobs, articles/tasks.py; docs/deploy.md).
    "JOBS": {
        # The periodic jobs: (dotted path of a task, seconds between runs). The worker's
        # trigger (manage.py run_worker) enqueues each when due, once whatever the number
        # of workers. Adding a job is adding a line here (and its task in articles/tasks.py).
        "PERIODIC": [
            # The public queries respect publish_at and unpublish_at on their own; this
            # makes the stored state, feeds' caches and the admin agree within a minute.
            ("articles.tasks.apply_schedules", 60),
            ("articles.tasks.check_sources", 3600),
            ("articles.tasks.prune_revisions", 24 * 3600),
            ("articles.tasks.prune_images", 24 * 3600),
            ("articles.tasks.prune_uploads", 24 * 3600),
            # Webhook retries that are due, and deliveries whose first job was lost.
            ("articles.tasks.retry_webhooks", 60),
        ],
        # How often the trigger looks for due jobs.
        "TICK_SECONDS": 30,
        # Every import enqueues caching of its stories' new images (articles.images.copies)...
        "CACHE_IMAGES_AFTER_IMPORT": True,
        # ...in jobs of this many stories each.
        "IMAGE_JOB_STORIES": 500,
        # An upload's step that has shown no progress for this long is offered to be resumed.
        "STALE_SECONDS": 120,
        # Admin uploads (their rows, reports and files) are forgotten after this many days.
        "KEEP_UPLOAD_DAYS": 30,
    },
    # Source-link health (articles.jobs.links): each live story's originalUrl, politely.
    "LINKS": {
        "RECHECK_DAYS": 7,
        # Stories one run checks; the next run takes the next ones.
        "BATCH": 500,
        "TIMEOUT": 10,
        # Seconds between two requests to one host (requests to one host never overlap).
        "HOST_DELAY": 2.0,
        # A run stops asking after this long (less than check_sources' interval in PERIODIC).
        "MAX_SECONDS": 45 * 60,
        "USER_AGENT": "Newsroom source-link checker (https://github.com/newsroom)",
        # Failures in a row that make a source broken.
        "BROKEN_AFTER": 2,
        "ALLOW_LOOPBACK": False,
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
    # Publish pings (articles.pings, articles.jobs.pings, docs/webhooks.md): on publish, correction and
    # take-down. Off until configured: no hub, no IndexNow key, no webhook, no request at all.
    "PINGS": {
        # WebSub hubs told our feeds changed (hub.mode=publish); the feeds advertise them.
        "WEBSUB_HUBS": [],
        # IndexNow: our key (8-128 of a-z, A-Z, 0-9 and -; served at /<KEY>.txt) and where URLs are sent,
        # e.g. https://api.indexnow.org/indexnow.
        "INDEXNOW": {"KEY": "", "ENDPOINTS": []},
        # The feeds a hub is told of for one change: the site's, then its stories' topics' and providers'.
        "WEBSUB_MAX_FEEDS": 50,
        # Webhooks: seconds to wait before each retry; a delivery gives up after MAX_ATTEMPTS.
        "RETRY_DELAYS": [60, 300, 1800, 7200, 21600],
        "MAX_ATTEMPTS": 6,
        # Deliveries one job sends (the periodic retry takes the rest).
        "BATCH": 200,
        "CONNECT_TIMEOUT": 5,
        "READ_TIMEOUT": 10,
        "TOTAL_TIMEOUT": 20,
        # How long a delivery being sent is left to its worker before another takes it over.
        "LEASE_SECONDS": 300,
        "USER_AGENT": "Newsroom publish pings (https://github.com/newsroom)",
        # Loopback is for the tests' local servers only (never from the environment).
        "ALLOW_LOOPBACK": False,
    },
    # Intake rules (articles.intake, docs/intake-rules.md). A rule's count before it is saved
    # checks its pattern on at most PREVIEW_CANDIDATES stories (the newest that meet its other
    # conditions and contain its words) and shows EXAMPLES of them.
    "INTAKE": {
        "PREVIEW_CANDIDATES": 20_000,
        "EXAMPLES": 10,
    },
    # Revisions (manage.py prune_revisions): what is older than KEEP_DAYS goes,
    # but each story keeps its newest KEEP_LATEST whatever their age.
    "REVISIONS": {
        "KEEP_DAYS": 365,
        "KEEP_LATEST": 20,
    },
    # The editorial workflow (articles.gate, articles.editorial).
    "WORKFLOW": {
        # Publishing a story below this quality, by any route, needs an editor's override with a reason.
        "MIN_QUALITY": 40,
        # Providers (by domain) whose stories pass at TRUSTED_MIN_QUALITY instead.
        "TRUSTED_PROVIDERS": (),
        "TRUSTED_MIN_QUALITY": 20,
        # How long a preview link works, unless the editor who makes it says otherwise.
        "PREVIEW_LINK_DAYS": 7,
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
