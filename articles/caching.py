"""A generation token for the public pages' cache, for changes the stories' freshness cannot see.

Article.objects.freshness() follows the stories and providers; a topic renamed
or deleted in the admin changes neither, yet every page that lists the topic
shows its name and links to its slug. Saving or deleting a Topic draws a new
token, which is part of every public cache key and ETag (articles.views).
"""

import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

GENERATION_KEY = "newsroom:public-generation"


def public_generation():
    return cache.get(GENERATION_KEY, "")


def bump_public_generation(using="default"):
    """The public pages are stale once this commits (articles.services.topics_changed).

    Not before: a page built in between would read the old rows and be kept
    under the new token.
    """
    # A fresh random token rather than a counter: it cannot come back to a
    # value that keyed older pages, even after the cache lost the key.
    transaction.on_commit(lambda: cache.set(GENERATION_KEY, uuid.uuid4().hex, None), using=using)


# --- How fresh the public content is, read at most once a second per process.

# Bumped by this process's own writes (articles.services): a reader served by
# the process that made a change sees it at once.
_local_changes = 0
_remembered = {"until": 0.0, "generation": None, "changes": None, "value": None}


def note_local_change():
    """This process changed public content."""
    global _local_changes
    _local_changes += 1


def remembered_freshness(compute):
    """compute() -- Article.objects.freshness() -- or its result from less than a moment ago.

    The freshness query runs on every public request otherwise, and on a large
    table it costs more than serving a cached page. A change made through the
    app in this process, or a topic change anywhere, shows at once; other
    changes (another server's, a raw UPDATE) within NEWSROOM_FRESHNESS_SECONDS.
    """
    seconds = settings.NEWSROOM_FRESHNESS_SECONDS
    generation = public_generation()
    now = time.monotonic()
    memo = _remembered
    if seconds > 0 and now < memo["until"] and memo["generation"] == generation and memo["changes"] == _local_changes:
        return memo["value"], generation
    changes = _local_changes
    value = compute()
    _remembered.update(until=now + seconds, generation=generation, changes=changes, value=value)
    return value, generation
