"""Story cards, rendered once per version of a story and reused by every listing that shows it.

A listing page reads its stories' rows (for_cards(): no topics yet), looks
their cards up with one cache.get_many(), and renders only the cards not
there, after loading those stories' topics in one query.

A card's key changes with everything it shows: the story's row (its shown
fields, and updated_at, which every writer moves: articles.services), its provider's (a rename or a new
slug moves Provider.updated_at; services.providers_changed), the generation
token (a topic renamed or deleted: services.topics_changed), the variant
(compact, the page's first card), on a search the highlighted excerpt, and in a
listing of one story per event how many more stories its cluster has.
A card is never stale, then, and needs no deleting: an old one is not asked for.
"""

import hashlib

from django.core.cache import cache
from django.db.models import prefetch_related_objects
from django.template import engines
from markupsafe import Markup

from .models import Article
from .pagecache import CACHE_SECONDS, freshness

CARD_TEMPLATE = "articles/_card.html"
# The story's own columns a card shows (templates/jinja2/articles/_card.html).
CARD_ROW_FIELDS = ("title", "slug", "excerpt", "published_at", "type")


def card_key(story, *, generation, compact=False, eager=False):
    """The cache key of `story`'s card: everything the card shows is in it.

    The fields of the story's row a card shows are in it as they are (a
    version can be no more than its content), the topics through updated_at
    and the generation token.
    """
    provider = story.provider
    parts = [
        generation,
        story.pk,
        story.updated_at.isoformat(),
        *(getattr(story, name) for name in CARD_ROW_FIELDS),
        story.card_image,
        *((provider.pk, provider.name, provider.slug, provider.updated_at.isoformat()) if provider else "-"),
        "compact" if compact else "full",
        "eager" if eager else "lazy",
        getattr(story, "search_excerpt", None) or "-",
        # One story per event (ArticleFilter's `grouped`): how many more its cluster has.
        getattr(story, "cluster_others", 0),
    ]
    digest = hashlib.sha256("\0".join(str(part) for part in parts).encode()).hexdigest()[:32]
    return f"newsroom:card:{digest}"


def story_cards(request, stories, *, compact=False):
    """The cards (safe markup) of `stories`, a page of a listing's for_cards() queryset, in its order.

    One query for the stories and one cache.get_many(); when some cards are
    not cached, one more query for those stories' topics.
    """
    stories = list(stories.prefetch_related(None))
    if not stories:
        return []
    generation = freshness(request).generation
    keys = [
        card_key(story, generation=generation, compact=compact, eager=index == 0) for index, story in enumerate(stories)
    ]
    cards = cache.get_many(keys)
    missing = [(index, story, key) for index, (story, key) in enumerate(zip(stories, keys, strict=True))]
    missing = [entry for entry in missing if entry[2] not in cards]
    if missing:
        prefetch_related_objects([story for _, story, _ in missing], Article.objects.topics_prefetch())
        card = engines["jinja2"].env.get_template(CARD_TEMPLATE).module.card
        rendered = {key: str(card(story, compact=compact, eager=index == 0)) for index, story, key in missing}
        cache.set_many(rendered, CACHE_SECONDS)
        cards.update(rendered)
    return [Markup(cards[key]) for key in keys]
