"""
Preview links: a signed, expiring, revocable link to a story's preview for someone without an account.

The token is the link's id signed with the site's secret (django.core.signing),
so links cannot be guessed; whether it still works (not expired, not revoked)
is the row's business, so revoking takes effect at once. Each visit is logged.
"""

import datetime

from django.core import signing
from django.utils import timezone

from core.client_ip import client_ip

from .conf import newsroom_settings
from .models import Article, PreviewLink, PreviewVisit, Revision

SALT = "newsroom.preview-link"


def create_preview_link(*, article: Article, user, days: int | None = None, revision: Revision | None = None):
    """A new preview link of `article` (or of its pending `revision`), working for `days` (the setting's default)."""
    if revision is not None and revision.article_id != article.pk:
        raise ValueError("the revision is not one of this story's")
    days = days or newsroom_settings.WORKFLOW["PREVIEW_LINK_DAYS"]
    now = timezone.now()
    return PreviewLink.objects.create(
        article=article, revision=revision, created_by=user, created_at=now, expires_at=now + datetime.timedelta(days)
    )


def revoke_preview_link(*, link: PreviewLink) -> bool:
    """Stop the link working now; returns whether it was still working."""
    return bool(PreviewLink.objects.filter(pk=link.pk, revoked_at=None).update(revoked_at=timezone.now()))


def preview_token(link: PreviewLink) -> str:
    return signing.dumps(link.pk, salt=SALT, compress=False)


def link_from_token(token: str) -> PreviewLink | None:
    """The working link this token names, or None (forged, expired, revoked or deleted)."""
    try:
        pk = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(pk, int):
        return None
    link = PreviewLink.objects.select_related("revision").filter(pk=pk).first()
    return link if link and link.is_valid_at(timezone.now()) else None


def log_visit(link: PreviewLink, request) -> None:
    PreviewVisit.objects.create(
        link=link, address=client_ip(request) or None, user_agent=request.headers.get("User-Agent", "")[:300]
    )
