"""A generation token for the public pages' cache, for changes the stories' freshness cannot see.

Article.objects.freshness() follows the stories and providers; a topic renamed
or deleted in the admin changes neither, yet every page that lists the topic
shows its name and links to its slug. Saving or deleting a Topic draws a new
token, which is part of every public cache key and ETag (articles.views).
"""

import uuid

from django.core.cache import cache
from django.db import transaction

GENERATION_KEY = "newsroom:public-generation"


def public_generation():
    return cache.get(GENERATION_KEY, "")


def bump_public_generation(using="default", **kwargs):
    """A signal receiver (post_save, post_delete): the public pages are stale once this commits.

    Not before: a page built in between would read the old rows and be kept
    under the new token.
    """
    # A fresh random token rather than a counter: it cannot come back to a
    # value that keyed older pages, even after the cache lost the key.
    transaction.on_commit(lambda: cache.set(GENERATION_KEY, uuid.uuid4().hex, None), using=using)
