"""ETag and Last-Modified of the read API, from the stories' freshness (one small query a request)."""

import functools
import hashlib

from django.utils.cache import get_conditional_response
from django.utils.http import http_date, quote_etag

from ..models import Article
from ..pagecache import last_change, public_generations

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
    return last_change(_freshness(request))


def conditional(view):
    """`view` answering If-None-Match / If-Modified-Since with 304, and sending ETag and Last-Modified.

    As Django's condition(), but the view answers first: a story taken down is
    a 404 whatever validators the request sends, never "not modified".
    """

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        # The validators first: a change committed while the view runs must not give its older
        # answer the newer ETag (every later check would then be "not modified").
        etag, last_modified = quote_etag(_etag(request)), _last_modified(request)
        timestamp = int(last_modified.timestamp()) if last_modified else None
        response = view(request, *args, **kwargs)
        if request.method not in ("GET", "HEAD") or not 200 <= response.status_code < 300:
            return response
        if hasattr(response, "render") and callable(response.render):
            response.render()
        response.headers.setdefault("ETag", etag)
        if timestamp is not None:
            response.headers.setdefault("Last-Modified", http_date(timestamp))
        # A 304 carries the response's validators over.
        return get_conditional_response(request, etag=etag, last_modified=timestamp, response=response)

    return wrapped
