"""Story cards, rendered once per version of a story and reused by every listing that shows it.

A listing page picks its stories' ids (with what its filters add: a search's
highlighted excerpt, a grouped listing's count of other stories), reads
those stories' key columns in a query written once per process, looks their
cards up with one page_cache.get_many(), and renders only the cards not there,
from for_cards() rows with their topics.

A card's key changes with everything it shows: the story's row (its shown
fields, and updated_at, which every writer moves: articles.services), its provider's (a rename or a new
slug moves Provider.updated_at; services.providers_changed), the generation
token (a topic renamed or deleted: services.topics_changed), the variant
(compact, the page's first card), on a search the highlighted excerpt, and in a
listing of one story per event how many more stories its cluster has.
A card is never stale, then, and needs no deleting: an old one is not asked for.
"""

import hashlib

from django.conf import settings
from django.db.models import prefetch_related_objects
from django.template import engines
from markupsafe import Markup

from .models import Article
from .pagecache import CACHE_SECONDS, freshness, page_cache, page_depends_on
from .prepared import PreparedQuery, instance_from_row

CARD_TEMPLATE = "articles/_card.html"
# The story's own columns a card shows (templates/jinja2/articles/_card.html).
CARD_ROW_FIELDS = ("title", "slug", "excerpt", "published_at", "type")
# What a card's key is made of, in this order; the lead image (with_card_image()) last, as the
# annotation it is: values_list() puts annotations after fields.
KEY_COLUMNS = (
    *("pk", "updated_at", *CARD_ROW_FIELDS),
    *("provider__id", "provider__name", "provider__slug", "provider__updated_at"),
    "card_image",
)
# What a listing's filters add to its stories and a card shows.
LISTING_EXTRAS = ("search_excerpt", "cluster_others")

KEY_COLUMNS_QUERY = PreparedQuery(
    lambda ids: Article.objects.with_card_image().filter(pk__in=ids).order_by().values_list(*KEY_COLUMNS)
)


def key_columns(ids, *, using="default"):
    """{id: the KEY_COLUMNS of that story, as the ORM would give them} for these stories, in one query.

    A prepared query (articles.prepared): building and compiling it through
    the ORM took a listing about 2 ms of its 6 (bench/profile_pages.py).
    """
    ids = list(ids)
    if not ids:
        return {}
    return {row[0]: row for row in KEY_COLUMNS_QUERY.converted(key_rows(ids, using=using), using=using)}


def key_rows(ids, *, using="default"):
    """The KEY_COLUMNS of these stories as the database driver gives them (key_columns() converts them)."""
    return KEY_COLUMNS_QUERY.raw_rows(list(ids), using=using)


def cards_unchanged(ids, digest, using="default"):
    """Whether the cards of these stories would be the ones a page was built with (page_depends_on)."""
    return _rows_digest(ids, key_rows(ids, using=using)) == digest


def _rows_digest(ids, rows):
    # Everything each card's key is made of (but the token and the variant, in the page's key), as
    # the database gives it: converting it as the ORM does was most of the check's time.
    found = {row[0]: row for row in rows}
    return hashlib.sha256(repr([found.get(pk) for pk in ids]).encode()).hexdigest()


def story_from_columns(columns, *, using="default"):
    """A story (with its provider and card_image) from its KEY_COLUMNS: what a card template reads."""
    story = instance_from_row(Article, KEY_COLUMNS[:-1], columns[:-1], using=using)
    story.card_image = columns[-1]
    return story


def card_key(row, *, generation, compact=False, eager=False, search_excerpt=None, cluster_others=0):
    """The cache key of a story's card from its key_rows() row: everything the card shows is in it.

    The fields of the story's row a card shows are in it as they are (a
    version can be no more than its content), the topics through updated_at
    and the generation token. The row as the driver gives it: converted only
    for the cards not in the cache, which a listing found again has none of.
    """
    parts = (
        generation,
        tuple(row),
        "compact" if compact else "full",
        "eager" if eager else "lazy",
        search_excerpt or "-",
        # One story per event (ArticleFilter's `grouped`): how many more its cluster has.
        cluster_others or 0,
    )
    # repr() quotes each string: no two different keys' parts read alike.
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f"newsroom:card:{digest}"


def story_cards(request, stories, *, compact=False):
    """The cards (safe markup) of `stories`, a page of a listing's published stories, in its order.

    Two queries (the page's ids, their key columns) and one page_cache.get_many();
    when some cards are not cached, one more for those stories' topics.
    """
    extras = [name for name in LISTING_EXTRAS if name in stories.query.annotations]
    page = [dict(zip(("pk", *extras), row, strict=True)) for row in stories.values_list("pk", *extras)]
    if not page:
        return []
    ids = [story["pk"] for story in page]
    rows = key_rows(ids, using=stories.db)
    if settings.NEWSROOM_PAGE_CACHE:
        # A listing kept through edits of other stories is served again only while these cards are the same.
        page_depends_on(request, cards_unchanged, ids, _rows_digest(ids, rows), stories.db)
    found = {row[0]: row for row in rows}
    # A story deleted between the two queries is left out (one unpublished moves the lists' version).
    page = [story for story in page if story["pk"] in found]
    generation = freshness(request).generation
    keys = [
        card_key(
            found[story["pk"]],
            generation=generation,
            compact=compact,
            eager=index == 0,
            **{name: story[name] for name in extras},
        )
        for index, story in enumerate(page)
    ]
    cards = page_cache.get_many(keys)
    missing = {
        story["pk"]: (index, story, key)
        for index, (story, key) in enumerate(zip(page, keys, strict=True))
        if key not in cards
    }
    if missing:
        columns = KEY_COLUMNS_QUERY.converted([found[pk] for pk in missing], using=stories.db)
        rows = [story_from_columns(row, using=stories.db) for row in columns]
        prefetch_related_objects(rows, Article.objects.topics_prefetch())
        card = engines["jinja2"].env.get_template(CARD_TEMPLATE).module.card
        rendered = {}
        for row in rows:
            index, story, key = missing[row.pk]
            for name in extras:
                setattr(row, name, story[name])
            rendered[key] = str(card(row, compact=compact, eager=index == 0))
        page_cache.set_many(rendered, CACHE_SECONDS)
        cards.update(rendered)
    return [Markup(cards[key]) for key in keys if key in cards]
