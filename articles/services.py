"""
Keeping what is derived from stories in step with them.

Every writer calls one of these after it changes stories, providers or topics
(the admin's form, list edits and actions, the import, image caching, and
later jobs and the API), inside its transaction: the search vectors, the stories'
image counts and the public pages' freshness follow. Signals are left to other apps' hooks; our own
consistency does not depend on which way a row was written.
"""

from collections.abc import Iterable

from django.db import transaction

from .clusters import refresh_clusters, refresh_many_clusters, write_title_bands
from .images.counts import refresh_image_counts
from .pagecache import bump_public_generation, note_local_change
from .pagecache_models import count_content_change
from .pings import PublicationWatch
from .search import refresh_search_vectors


def stories_changed(article_ids: Iterable[int], *, text=True, clusters=True, listed=True, using="default") -> None:
    """These stories were created, changed or deleted.

    `text` False says only what the search cannot see changed (an image's
    local copy, say), so the search vectors are left alone. `clusters` False
    (an import, batch by batch) writes the stories' title bands but leaves
    their clusters to import_finished(), called once the last batch is written.
    `listed` False says the writer checked that no list of stories can move:
    the stories' LISTED_FIELDS and topics are as they were, so only the pages
    that show them change (articles.pagecache_models.ContentChanges.listed).
    """
    article_ids = list(article_ids)
    if not article_ids:
        return
    # Whatever changed: an image's local copy is not text.
    refresh_image_counts(article_ids, using=using)
    if text:
        refresh_search_vectors(article_ids, using=using)
        # Titles, addresses and related coverage are what clusters are made of.
        if clusters:
            refresh_clusters(article_ids, using=using)
        else:
            write_title_bands(article_ids, using=using)
    _public_pages_changed(using, listed=listed)


def watch_publication(article_ids: Iterable[int], *, using="default") -> PublicationWatch:
    """Before a write that may publish, take down or correct these stories; its `changed()` after the
    write tells subscribers (articles.pings: webhooks, WebSub hubs, IndexNow) once the write commits."""
    return PublicationWatch(article_ids, using=using)


def import_finished(article_ids, *, using="default") -> None:
    """An import wrote these stories with stories_changed(clusters=False): their clusters, for the whole run."""
    if refresh_many_clusters(article_ids, using=using):
        clusters_changed(using=using)


def providers_changed(*, using="default") -> None:
    """A provider was renamed, given a new logo or deleted: the pages that credit it."""
    _public_pages_changed(using)


def topics_changed(*, using="default") -> None:
    """A topic was renamed or deleted: every page that lists it, though no story changed."""
    # The token first: on commit it is set before this process forgets its freshness, so that no
    # thread of it remembers the new count with the old token. The count too: another process's
    # pages start afresh within a second, though with a local cache its cards follow the token
    # only when it reaches them (Redis shares it: docs/deploy.md).
    bump_public_generation(using=using)
    _public_pages_changed(using)


def clusters_changed(*, using="default") -> None:
    """Clusters were recomputed in bulk (articles.clusters): cards may count other outlets.

    A story page's own stamp lists its cluster's stories, so only the listings start afresh.
    """
    bump_public_generation(using=using, listings_only=True)
    _public_pages_changed(using)


def ranking_changed(*, using="default") -> None:
    """A pin or a burial changed Top stories (articles.ranking), though no story did; no story page shows them."""
    bump_public_generation(using=using, listings_only=True)
    _public_pages_changed(using)


def _public_pages_changed(using, *, listed=True):
    # In the writer's transaction: the freshness moves when, and as soon as, it commits.
    count_content_change(using, listed=listed)
    # Now, and again after the commit: a page built in between would read the
    # old rows and be remembered as fresh.
    note_local_change()
    transaction.on_commit(note_local_change, using=using)
