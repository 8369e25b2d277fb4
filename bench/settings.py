"""Settings for benchmark servers: the product's own, plus a floor view (NEWSROOM_PAGE_CACHE=0 for uncached pages)."""

from newsroom.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
