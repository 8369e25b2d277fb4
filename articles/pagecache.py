"""The public pages' cache: whole pages, conditional GET, and how fresh the content is.

Every public page is the same for every reader, so it goes through
public_page(): answered with 304 when the reader has it already, and cached
under a key that changes with the content. That key comes from:

- Article.objects.freshness(), which follows the stories, the providers and
  the count of committed changes (articles.pagecache_models), read at most
  once a NEWSROOM_FRESHNESS_SECONDS per process (remembered_freshness);
- generation tokens, for what that cannot see: a topic renamed or deleted
  in the admin changes no story, yet every page that lists the topic shows
  its name and links to its slug. Saving or deleting a Topic draws a new
  token for every page; clusters recomputed in bulk or Top stories' pins, a
  new token for the listings only (a story page's own stamp sees its cluster).

Two kinds of page are kept under narrower keys, so that the long tail of
pages few readers ask for survives the changes a newsroom makes all day:

- a story page under the stamp of what it shows (`own_content`), read on
  every visit;
- a list of stories under Freshness.listing_version (`listed`), which only
  the changes that may move a story into, out of or within a list move:
  an edited headline leaves it. Such a page is served again only while the
  cards it shows are the same (page_depends_on, articles.cards).

Writers keep all of it in step through articles.services. Staff see unpublished
stories as previews; their pages are never cached.
"""

import functools
import hashlib
import time
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache, caches
from django.core.paginator import Paginator
from django.db import router, transaction
from django.http import HttpResponse
from django.utils.cache import add_never_cache_headers, get_conditional_response, patch_cache_control
from django.utils.connection import ConnectionProxy
from django.utils.functional import cached_property
from django.utils.http import http_date

from .filters import filter_choices, filter_options
from .models import Article

# Old entries need no deleting: a change of content changes every key.
CACHE_SECONDS = 60 * 10
# A page under its own stamp is never stale, whatever else changes: kept for the
# long tail of pages asked for now and then (the cache drops the least used first).
OWN_CACHE_SECONDS = 60 * 60 * 24
# Pages and cards: never stale under their keys (a stamp of what they show, or a kept list's checks),
# so each process may keep its own copy in front of Redis (settings.CACHES["pages"]).
page_cache = ConnectionProxy(caches, "pages")
# Set per response, by the middleware, or by public_page() itself.
UNCACHED_HEADERS = {"set-cookie", "vary", "etag", "last-modified", "cache-control", "expires"}
GENERATION_KEY = "newsroom:public-generation"
LISTINGS_GENERATION_KEY = "newsroom:listings-generation"


def is_staff_reader(request):
    """Staff who may see unpublished stories (and whose pages are never cached)."""
    user = getattr(request, "user", None)
    return bool(user and user.is_active and user.is_staff and user.has_perm("articles.view_article"))


# --- The generation token -----------------------------------------------------


def public_generations():
    """(every public page's token, the listings' token), in one trip to the cache."""
    tokens = cache.get_many([GENERATION_KEY, LISTINGS_GENERATION_KEY])
    return tokens.get(GENERATION_KEY, ""), tokens.get(LISTINGS_GENERATION_KEY, "")


def bump_public_generation(using="default", *, listings_only=False):
    """The public pages are stale once this commits (articles.services.topics_changed).

    Not before: a page built in between would read the old rows and be kept
    under the new token. `listings_only`: what changed shows in lists of
    stories but not on a story page beyond what its own stamp sees (a
    cluster's stories, articles.views.story_page_content), so the story
    pages, a long tail of thousands, stay cached.
    """
    key = LISTINGS_GENERATION_KEY if listings_only else GENERATION_KEY
    # A fresh random token rather than a counter: it cannot come back to a
    # value that keyed older pages, even after the cache lost the key.
    transaction.on_commit(lambda: cache.set(key, uuid.uuid4().hex, None), using=using)


# --- How fresh the public content is, read at most once a second per process.

# Bumped by this process's own writes (articles.services): a reader served by
# the process that made a change sees it at once.
_local_changes = 0
# Per database alias: a replica's freshness keys the pages built from the replica's rows.
_remembered = {}


def note_local_change():
    """This process changed public content."""
    global _local_changes
    _local_changes += 1


def remembered_freshness(compute, using="default"):
    """compute() -- Article.objects.freshness() -- or its result from less than a moment ago.

    The freshness query runs on every public request otherwise, and on a large
    table it costs more than serving a cached page. A change made through the
    app in this process shows at once; other changes (another process's,
    a topic renamed there included, or a raw UPDATE) within
    NEWSROOM_FRESHNESS_SECONDS. The tokens are read with the query, not on
    every request: with Redis that was a round trip a page, a tenth of a long
    tail's throughput.
    """
    seconds = settings.NEWSROOM_FRESHNESS_SECONDS
    now = time.monotonic()
    memo = _remembered.get(using)
    if seconds > 0 and memo and now < memo["until"] and memo["changes"] == _local_changes:
        return memo["value"], memo["generation"]
    generation = public_generations()
    changes = _local_changes
    value = compute()
    _remembered[using] = {"until": now + seconds, "generation": generation, "changes": changes, "value": value}
    return value, generation


@dataclass(frozen=True)
class Freshness:
    updated: datetime | None
    published: int
    boundary: datetime | None = None
    changes: int = 0
    providers: datetime | None = None
    listed: int = 0
    changed: datetime | None = None
    # The tokens of public_generations(): every page's, the listings'.
    generation: str = ""
    listings: str = ""

    @cached_property
    def version(self):
        """Moves with every change to public content."""
        return _digest(self.updated, self.published, self.boundary, self.changes, self.generation, self.listings)

    @cached_property
    def listing_version(self):
        """Moves with every change that may move a list of stories, its counts or its choices.

        An edit of a story's text or images alone leaves it (ContentChanges.listed):
        the cards that show them are checked by the pages themselves (public_page's `listed`).
        """
        return _digest(self.providers, self.published, self.boundary, self.listed, self.generation, self.listings)

    @property
    def last_modified(self):
        moment = last_change(vars(self))
        return int(moment.timestamp()) if moment else None


def last_change(stamp):
    """When public content last changed, of a freshness() stamp: Last-Modified of what shows it.

    A schedule boundary changes pages as an edit does, and a change that takes
    a story off (a take-down, a rejection, a deletion) moves no public story's
    updated_at but the count of changes' moment.
    """
    moments = [stamp.get(name) for name in ("updated", "boundary", "changed")]
    return max((moment for moment in moments if moment), default=None)


def _digest(*parts):
    stamp = "|".join(part.isoformat() if isinstance(part, datetime) else str(part) for part in parts)
    return hashlib.sha256(stamp.encode()).hexdigest()[:24]


def freshness(request):
    """The content's Freshness, read once per request."""
    if not hasattr(request, "_newsroom_freshness"):
        # The database this request reads (a public reader's may be the replica, staff's the primary).
        using = router.db_for_read(Article)
        stamp, tokens = remembered_freshness(Article.objects.using(using).freshness, using)
        request._newsroom_freshness = _freshness_of(using, stamp, tokens)
    return request._newsroom_freshness


# {database: (stamp, tokens, their Freshness)}: the requests of one remembered_freshness() share
# one, and so its digests, made once instead of per page (2% of a story page's CPU).
_shared_freshness = {}


def _freshness_of(using, stamp, tokens):
    shared = _shared_freshness.get(using)
    if shared is None or shared[0] is not stamp or shared[1] is not tokens:
        generation, listings = tokens
        shared = _shared_freshness[using] = (
            stamp,
            tokens,
            Freshness(**stamp, generation=generation, listings=listings),
        )
    return shared[2]


# --- Cached pages and pieces of pages ------------------------------------------


def cache_key(request, kind, *parts):
    """A key that changes with every change to public content."""
    return _key(kind, freshness(request).version, parts)


def listing_cache_key(request, kind, *parts):
    """A key that changes with what may move a list of stories (Freshness.listing_version)."""
    return _key(kind, freshness(request).listing_version, parts)


def _key(kind, version, parts):
    digest = hashlib.sha256("\0".join(str(p) for p in parts).encode()).hexdigest()[:32]
    return f"newsroom:{kind}:{version}:{digest}"


def page_depends_on(request, check, *args):
    """The page being built shows something its key does not follow: `check(*args)` holds while it is unchanged.

    A listing's cards (articles.cards) are such a part: the listing is kept
    under Freshness.listing_version, which an edited headline leaves alone.
    public_page() serves a page kept with its checks again only while they
    all hold. `check` is kept with the page, so it is a module's function.
    """
    if not hasattr(request, "_newsroom_checks"):
        request._newsroom_checks = []
    request._newsroom_checks.append((check, args))


# The choices and the options' markup of the current freshness, kept in the process:
# unpickled once per change instead of once per page.
_shared = {}


def public_choices(request):
    """filter_choices(), cached until a change that may move a list of stories."""
    key = listing_cache_key(request, "choices")
    remembered = _shared.get("choices")
    now = time.monotonic()
    if remembered is not None and remembered[0] == key:
        # Only while the cache has them too, asked at most once a NEWSROOM_FRESHNESS_SECONDS (a
        # round trip a page with Redis): a cleared cache starts this afresh as well, as soon.
        if now < remembered[2]:
            return remembered[1]
        if cache.has_key(key):
            _shared["choices"] = (key, remembered[1], now + settings.NEWSROOM_FRESHNESS_SECONDS)
            return remembered[1]
    choices = cache.get_or_set(key, filter_choices, CACHE_SECONDS)
    _shared["choices"] = (key, choices, now + settings.NEWSROOM_FRESHNESS_SECONDS)
    return choices


def public_options(request):
    """The filter form's option lists as markup (articles.filters.filter_options()), until the choices change."""
    choices = public_choices(request)
    remembered = _shared.get("options")
    if remembered is not None and remembered[0] is choices:
        return remembered[1]
    options = filter_options(choices)
    _shared["options"] = (choices, options)
    return options


def own_cache_key(request, stamp, *parts):
    """A page's key from the stamp of what it shows (public_page's `own_content`) and every page's token."""
    generation = freshness(request).generation
    digest = hashlib.sha256("\0".join(str(p) for p in (generation, stamp, *parts)).encode()).hexdigest()
    return f"newsroom:own-page:{digest[:32]}"


def public_page(view, *, own_content=None, moment=None, listed=None):
    """Conditional GET and a shared cache for a page every reader sees alike.

    The ETag and the cache key come from freshness(): a publish, an edit, a
    deletion, a provider's or a topic's rename shows at once. Staff bypass both: they may
    see previews, which no cache may keep.

    `own_content(request, **kwargs)`, for a page that shows only a few stories
    (the story page), returns a stamp of all that the page shows, or None. The
    page is kept under the stamp alone, so it is found again after any change
    that left it alone; it costs the stamp's query on every visit.

    `listed(request)`, for a list of stories (or of their topics and
    outlets), says whether this request's page changes only with what may
    move a list (Freshness.listing_version) and with the cards it shows. Such a page is kept
    under the listing version with the checks of its cards (page_depends_on)
    and served again while they hold: an edited headline starts afresh only
    the pages that show it. A search is not one: its results follow the
    stories' text.

    `moment(request)`, for a page that changes with time alone (Top stories'
    decay and their pins' expiry, the news sitemap's last two days), returns a
    stamp of the present as the page sees it. It is part of the ETag and the
    key, and such a page sends no Last-Modified: the content's last change
    does not say when it last changed.
    """

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or is_staff_reader(request):
            response = view(request, *args, **kwargs)
            add_never_cache_headers(response)
            return response
        fresh = freshness(request)
        # Pages hold absolute URLs (canonical, og:url, JSON-LD, the sitemap):
        # one cached per host and scheme, never another site's.
        path = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
        present = moment(request) if moment else ""
        etag = '"{}"'.format(hashlib.sha256(f"{fresh.version}|{present}|{path}".encode()).hexdigest()[:32])
        last_modified = None if moment else fresh.last_modified
        key, seconds, checked = _page_key(request, path, present, own_content, listed, kwargs)
        cached = page_cache.get(key) if key else None
        if cached is not None and not _still_shown(cached, fresh):
            cached = None
        if cached is not None:
            response = HttpResponse(cached["content"])
            for header, value in cached["headers"]:
                response.headers[header] = value
        else:
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and callable(response.render):
                response.render()
            if response.status_code == 200 and not response.streaming and key:
                headers = [(h, v) for h, v in response.headers.items() if h.lower() not in UNCACHED_HEADERS]
                entry = {"content": response.content, "headers": headers}
                if checked:
                    entry.update(checks=getattr(request, "_newsroom_checks", []), version=fresh.version)
                page_cache.set(key, entry, seconds)
        # Only a page that exists is "not modified": a story taken down is a 404 whatever the
        # request's validators say (the page is built or found first; a 304 saves the transfer).
        response = get_conditional_response(request, etag=etag, last_modified=last_modified, response=response)
        if response.status_code in (200, 304):
            response.headers["ETag"] = etag
            if last_modified is not None:
                response.headers["Last-Modified"] = http_date(last_modified)
            # Browsers may keep a copy but must ask first: a 304 is cheap.
            patch_cache_control(response, public=True, no_cache=True)
        return response

    return wrapped


def _still_shown(entry, fresh):
    """Whether a kept page shows what it would if built now: its checks hold, unless nothing changed at all."""
    if entry.get("version") == fresh.version:
        return True
    return all(check(*args) for check, args in entry.get("checks", ()))


def _page_key(request, path, present, own_content, listed, kwargs):
    """(the page's cache key, how long it is kept, whether it is checked on each visit), or None for no cache."""
    if not settings.NEWSROOM_PAGE_CACHE:
        return None, 0, False
    head = request.method == "HEAD"
    if own_content:
        # The stamp's query (a tenth of a millisecond for the story page) on every visit,
        # so that a page built once is found again after any change to other stories.
        stamp = own_content(request, **kwargs)
        if stamp is not None:
            return own_cache_key(request, stamp, head, path), OWN_CACHE_SECONDS, False
    if listed and listed(request):
        return listing_cache_key(request, "page", head, path, present), CACHE_SECONDS, True
    return cache_key(request, "page", head, path, present), CACHE_SECONDS, False


class CountCachingPaginator(Paginator):
    """A Paginator that remembers its count until the content changes.

    Page 2, 3... of a listing then cost no COUNT over the table.
    """

    def __init__(self, *args, count_key=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.count_key = count_key

    # From this offset on, a page first picks its ids, then loads those rows.
    DEFERRED_JOIN_OFFSET = 200

    @cached_property
    def count(self):
        if self.count_key is None:
            return super().count
        return cache.get_or_set(self.count_key, lambda: Paginator.count.func(self), CACHE_SECONDS)

    def page(self, number):
        """A page; deep pages skip their offset on the index alone (a "deferred join").

        OFFSET makes the database build and throw away every row before the
        page, with its subqueries; picking the ids first walks the listing's
        index only, so page 2,000 costs about what page 1 does.
        """
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        if bottom < self.DEFERRED_JOIN_OFFSET or not hasattr(self.object_list, "values_list"):
            return super().page(number)
        top = min(bottom + self.per_page, self.count) if self.count else bottom + self.per_page
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        return self._get_page(self.object_list.filter(pk__in=ids), number, self)
