"""{% coverage article %}: the story page's "Coverage from N outlets" (articles.clusters)."""

from django import template

from ..models import Article, RelatedLink

register = template.Library()

# Stories of the cluster listed on a page; the count of outlets covers them all.
MAX_LISTED = 10


@register.inclusion_tag("articles/_coverage.html")
def coverage(article):
    """The other live stories of the story's cluster, and how many outlets cover the event.

    Outlets are counted once each, over the story, its related coverage, the
    cluster's live stories and theirs. Two queries for a story in a cluster,
    none for a story alone; `article.related_links` is for_detail()'s prefetch.
    """
    if article.cluster is None:
        return {"outlets": 0, "stories": []}
    cluster = Article.objects.published().cluster_of(article)
    # A cluster is a few stories (a refresh follows at most NEWSROOM_CLUSTERS["MAX_STORIES"]).
    stories = list(cluster.select_related("provider").order_by("-published_at", "-id"))
    outlets = {article.provider_id, *(link.provider_id for link in article.related_links.all())}
    outlets |= {story.provider_id for story in stories}
    outlets |= set(RelatedLink.objects.filter(article__in=stories).values_list("provider_id", flat=True).distinct())
    outlets.discard(None)
    return {"outlets": len(outlets), "stories": stories[:MAX_LISTED]}
