"""
Flagging files that look like a story already stored, before anything is written.

A file is flagged when another story has the same canonical URL under another
webUrl (articles.canonical), or a near-duplicate title (articles.similarity)
published the same day (UTC). A flag is a warning on the file's result: the
preview and the command's output show it, and the import goes on; an editor
then merges the two (articles.merging) or leaves them.
"""

from collections import defaultdict

from ..clusters import band_candidates, day_of
from ..conf import newsroom_settings
from ..models import Article
from ..similarity import band_keys, near_duplicate_titles
from .data import canonical_of
from .report import UNCHANGED


def flag_duplicates(batch, results) -> None:
    """Add a warning and a `duplicate_of` entry to each result of [NamedStory] that looks like another story."""
    todo = [(story, result) for (_, story), result in zip(batch, results, strict=True) if result.status != UNCHANGED]
    if not todo:
        return
    own_keys = {story.url_key for story, _ in todo}
    canonical = {story.url_key: canonical_of(story, story.read_url) for story, _ in todo}
    by_url = defaultdict(list)
    for row in (
        Article.objects.filter(canonical_url__any_of=canonical.values())
        .exclude(url_key__any_of=own_keys)
        .values("pk", "title", "url_key", "canonical_url")
    ):
        by_url[row["canonical_url"]].append(row)
    dated = [(story, result) for story, result in todo if story.published_at]
    keys_by_day = defaultdict(set)
    for story, _ in dated:
        keys_by_day[day_of(story.published_at)].update(band_keys(story.title))
    # The same day: candidates come from that day's bands only.
    groups = band_candidates(keys_by_day, days_around=0)
    rows = _rows({story_id for group in groups.values() for story_id in group}, own_keys)
    threshold = newsroom_settings.CLUSTERS["TITLE_THRESHOLD"]
    for story, result in todo:
        for row in by_url[canonical[story.url_key]]:
            _flag(result, row, f"same canonical URL {canonical[story.url_key]} under another webUrl")
    for story, result in dated:
        flagged = {entry["story"] for entry in result.duplicate_of}
        day = day_of(story.published_at)
        others = sorted({pk for key in band_keys(story.title) for pk in groups.get((key, day), ())} - flagged)
        for pk in others:
            row = rows.get(pk)
            if (
                row
                and day_of(row["published_at"]) == day
                and near_duplicate_titles(story.title, row["title"], threshold)
            ):
                _flag(result, row, "a near-duplicate title the same day")


def _rows(ids, own_keys):
    if not ids:
        return {}
    stories = Article.objects.filter(pk__any_of=ids, published_at__isnull=False).exclude(url_key__any_of=own_keys)
    return {row["pk"]: row for row in stories.values("pk", "title", "url_key", "published_at")}


def _flag(result, row, reason):
    result.duplicate_of.append({"story": row["pk"], "title": row["title"], "url": row["url_key"], "reason": reason})
    result.warnings.append(
        f"{result.path}: looks like a duplicate of story {row['pk']} “{row['title']}” ({row['url_key']}): {reason}"
    )
