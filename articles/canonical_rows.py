"""
Keeping the stored canonical URLs in step with the rules of articles.canonical.

Every write path fills the columns as it writes (Article.save(),
RelatedLink.save(), the import's upsert and children); this is for the rows
written before, or under older rules: the 0009 migration and
`manage.py canonicalize_urls` after a change to the rules.
"""

from .canonical import canonical_url

BATCH_SIZE = 1000


def refresh_canonical_urls(article_model, link_model, *, using="default") -> int:
    """Recompute the canonical URL of every story and related item whose stored one differs; returns how many.

    The models are parameters so that a migration can pass its historical ones.
    """
    stories = article_model.objects.using(using)
    links = link_model.objects.using(using)
    changed = _refresh(stories, ("web_url", "original_url"), lambda row: row.original_url or row.web_url)
    return changed + _refresh(links, ("web_url",), lambda row: row.web_url)


def _refresh(rows, fields, source):
    changed = 0
    last = 0
    while True:
        batch = list(rows.filter(pk__gt=last).order_by("pk").only("pk", "canonical_url", *fields)[:BATCH_SIZE])
        if not batch:
            return changed
        last = batch[-1].pk
        stale = []
        for row in batch:
            value = canonical_url(source(row))
            if row.canonical_url != value:
                row.canonical_url = value
                stale.append(row)
        rows.bulk_update(stale, ["canonical_url"])
        changed += len(stale)
