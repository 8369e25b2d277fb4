"""ETag and Last-Modified of the read API, from the stories' freshness (one small query a request)."""

import hashlib

from django.views.decorators.http import condition

from ..models import Article
from ..pagecache import public_generations

# Bumped when the shape of the API's answers changes: old ETags must not match.
API_VERSION = "1"


def _freshness(request):
    # condition() asks for the ETag and for Last-Modified separately: read once.
    if not hasattr(request, "_api_freshness"):
        request._api_freshness = Article.objects.freshness()
    return request._api_freshness


def _etag(request, *args, **kwargs):
    stamp = _freshness(request)
    # As the pages' keys (articles.pagecache): a schedule boundary passed changes what is live,
    # and the generation token a topic's rename, neither of which moves a story's updated_at.
    parts = (API_VERSION, stamp["updated"], stamp["published"], stamp["boundary"], stamp["changes"])
    parts = (*parts, *public_generations())
    key = "|".join(map(str, (*parts, request.get_full_path())))
    return hashlib.blake2b(key.encode(), digest_size=16).hexdigest()


def _last_modified(request, *args, **kwargs):
    # A schedule boundary changes the answers as an edit does.
    stamp = _freshness(request)
    moments = [moment for moment in (stamp["updated"], stamp["boundary"]) if moment]
    return max(moments) if moments else None


def conditional(view):
    """`view` answering If-None-Match / If-Modified-Since with 304, and sending ETag and Last-Modified."""
    return condition(etag_func=_etag, last_modified_func=_last_modified)(view)
