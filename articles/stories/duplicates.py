"""
Flagging files that look like a story already stored, before anything is written.

A file is flagged when another story has the same canonical URL under another
webUrl (articles.canonical), or a near-duplicate title (articles.similarity)
published the same day (UTC). A flag is a warning on the file's result: the
preview and the command's output show it, and the import goes on; an editor
then merges the two (articles.merging) or leaves them.
"""

from collections import defaultdict

from ..canonical import canonical_url
from ..clusters_models import TitleBand
from ..conf import newsroom_settings
from ..models import Article
from ..similarity import band_keys, jaccard, title_shingles
from .report import UNCHANGED


def flag_duplicates(batch, results) -> None:
    """Add a warning and a `duplicate_of` entry to each result of [NamedStory] that looks like another story."""
    todo = [(story, result) for (_, story), result in zip(batch, results, strict=True) if result.status != UNCHANGED]
    if not todo:
        return
    own_keys = {story.url_key for story, _ in todo}
    canonical = {story.url_key: canonical_url(story.url_key) for story, _ in todo}
    by_url = defaultdict(list)
    for row in (
        Article.objects.filter(canonical_url__in=set(canonical.values()))
        .exclude(url_key__in=own_keys)
        .values("pk", "title", "url_key", "canonical_url")
    ):
        by_url[row["canonical_url"]].append(row)
    keys = {story.url_key: set(band_keys(story.title)) for story, _ in todo if story.published_at}
    candidates = _title_candidates(set().union(*keys.values()) if keys else set(), own_keys)
    threshold = newsroom_settings.CLUSTERS["TITLE_THRESHOLD"]
    for story, result in todo:
        for row in by_url[canonical[story.url_key]]:
            _flag(result, row, f"same canonical URL {canonical[story.url_key]} under another webUrl")
        flagged = {row["pk"] for row in by_url[canonical[story.url_key]]}
        shingles = title_shingles(story.title)
        for row in candidates:
            if (
                row["pk"] not in flagged
                and keys.get(story.url_key, set()) & row["keys"]
                and row["published_at"].date() == story.published_at.date()
                and jaccard(shingles, title_shingles(row["title"])) >= threshold
            ):
                flagged.add(row["pk"])
                _flag(result, row, "a near-duplicate title the same day")


def _title_candidates(keys, own_keys):
    if not keys:
        return []
    band_rows = TitleBand.objects.filter(key__in=keys).values_list("article_id", "key")
    story_keys = defaultdict(set)
    for article_id, key in band_rows:
        story_keys[article_id].add(key)
    rows = (
        Article.objects.filter(pk__in=story_keys, published_at__isnull=False)
        .exclude(url_key__in=own_keys)
        .values("pk", "title", "url_key", "published_at")
    )
    return [{**row, "keys": story_keys[row["pk"]]} for row in rows]


def _flag(result, row, reason):
    result.duplicate_of.append({"story": row["pk"], "title": row["title"], "url": row["url_key"], "reason": reason})
    result.warnings.append(
        f"{result.path}: looks like a duplicate of story {row['pk']} “{row['title']}” ({row['url_key']}): {reason}"
    )
