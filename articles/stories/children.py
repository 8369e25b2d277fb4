"""
Replacing the related items, images and topics of written stories with their files'.

The old rows go and the new ones come in with a few multi-row statements per
batch (bulk.insert_rows); the images keep their local copies where their URL
is unchanged (local_copies.py).
"""

from ..models import Image, RelatedLink, TaggedArticle
from .bulk import insert_rows
from .data import canonical_of
from .layout import image_layout, related_layout
from .local_copies import IMAGE_KEY_COLUMNS, carry_local_copies, insert_carried_renditions, local_copies
from .references import outlet_key


def replace_children(planned, *, providers, topics):
    """Write the children of [PlannedStory] whose rows are written; `providers` and `topics` as ensure_*() give them."""
    replaced = [item.article.pk for item in planned if item.article is not None]
    copies = local_copies(replaced)
    _delete_children(replaced)
    link_ids = {
        (article_id, position): pk
        for pk, article_id, position in insert_rows(
            RelatedLink, _related_rows(planned, providers), returning=("id", "article_id", "position")
        )
    }
    images = _image_rows(planned, link_ids)
    story_of_link = {link_id: article_id for (article_id, _), link_id in link_ids.items()}
    carried = carry_local_copies(images, copies, story_of_link)
    insert_carried_renditions(carried, insert_rows(Image, images, returning=IMAGE_KEY_COLUMNS))
    insert_rows(TaggedArticle, _tag_rows(planned, topics))


def _delete_children(article_ids):
    if not article_ids:
        return
    # Django's delete collector fetches every row it deletes (these have
    # cascades); the id is all it needs, and the rows carry large JSON.
    Image.objects.filter(article_id__any_of=article_ids).only("pk").delete()
    Image.objects.filter(related_link__article_id__any_of=article_ids).only("pk").delete()
    RelatedLink.objects.filter(article_id__any_of=article_ids).only("pk").delete()
    TaggedArticle.objects.filter(content_object_id__any_of=article_ids).delete()


def _related_rows(planned, providers):
    return [
        {
            "article_id": item.article_id,
            "position": position,
            "title": related.title,
            "excerpt": related.excerpt,
            "published_at": related.published_at,
            "web_url": related.web_url,
            "canonical_url": canonical_of(item.story, related.web_url),
            "amp_url": related.amp_url,
            "cdn_amp_url": related.cdn_amp_url,
            "type": related.type,
            "provider_id": providers[outlet_key(related.provider)].pk if related.provider else None,
            "quality": related.quality,
            "extra": related.extra,
            "layout": related_layout(related),
        }
        for item in planned
        for position, related in enumerate(item.story.related)
    ]


def _image_rows(planned, link_ids):
    """The stories' images, then their related items' (`link_ids`: {(story id, position): link id})."""
    rows = [
        _image_row(image, position, article_id=item.article_id)
        for item in planned
        for position, image in enumerate(item.story.images)
    ]
    rows += [
        _image_row(image, position, related_link_id=link_ids[item.article_id, index])
        for item in planned
        for index, related in enumerate(item.story.related)
        for position, image in enumerate(related.images)
    ]
    return rows


def _image_row(image, position, *, article_id=None, related_link_id=None):
    return {
        "article_id": article_id,
        "related_link_id": related_link_id,
        "position": position,
        "url": image.url,
        "width": image.width,
        "height": image.height,
        "is_cached": image.is_cached,
        "extra": image.extra,
        "layout": image_layout(image),
    }


def _tag_rows(planned, topics):
    rows = []
    for item in planned:
        # Two names of one file can be one stored topic ("Istanbul", "İstanbul" where LOWER() knows Unicode).
        tags = dict.fromkeys(topics[topic.lower()].pk for topic in item.story.topics)
        rows += [
            {"content_object_id": item.article_id, "tag_id": tag_id, "position": position}
            for position, tag_id in enumerate(tags)
        ]
    return rows
