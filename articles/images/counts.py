"""Each story's count of images and of images with a local copy, kept on the story for provider analytics.

refresh_image_counts() is called by articles.services.stories_changed(), which every
writer calls after changing stories or their images (the import, the admin's forms and
actions, the image-copy jobs, merges, restores). Counting at read time instead is a probe
of the images' index per story: 140 ms for the analytics of 100,000 stories.

Every such writer has written the story's own row in the same transaction (its version,
updated_at, the upsert), which holds the row's lock until the commit: two writers changing
one story's images count one after the other, never from the same old snapshot. A writer
that changed only image rows would have to do the same.
"""

from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from ..models import Article, Image

# Stories per statement: well under SQLite's limit of bound parameters.
BATCH = 500


def refresh_image_counts(article_ids, *, using="default") -> int:
    """Set image_count and cached_image_count of these stories from their images; the number of stories changed."""
    article_ids = list(article_ids)
    changed = 0
    for start in range(0, len(article_ids), BATCH):
        batch = article_ids[start : start + BATCH]
        counts = {"now_images": _count(using), "now_cached": _count(using, file__gt="")}
        # Only the stories whose counts moved are written: most calls (a publication, a
        # schedule) change no image, and rewriting a story's ~6 KB row would cost more than this read.
        stale = (
            Article.objects.using(using)
            .filter(pk__any_of=batch)
            .annotate(**counts)
            .filter(~Q(image_count=F("now_images")) | ~Q(cached_image_count=F("now_cached")))
            .values_list("pk", flat=True)
        )
        stale_ids = list(stale)
        if stale_ids:
            changed += (
                Article.objects.using(using)
                .filter(pk__any_of=stale_ids)
                .update(image_count=_count(using), cached_image_count=_count(using, file__gt=""))
            )
    return changed


def _count(using, **condition):
    images = (
        Image.objects.using(using)
        .filter(article=OuterRef("pk"), **condition)
        .order_by()
        .values("article")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(images, output_field=IntegerField()), 0)
