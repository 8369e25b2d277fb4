"""Security headers for every response, and a limit on request bodies."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils.module_loading import import_string

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        # Pages show only our own copies of images; "{media}" is where storage serves them from.
        "img-src 'self'{media}",
        # The only frames: YouTube players the story page builds from a checked video id.
        "frame-src https://www.youtube-nocookie.com",
        "style-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class SecurityHeadersMiddleware:
    """Content-Security-Policy, Referrer-Policy and X-Content-Type-Options.

    The site's pages and Django's admin (5.2) use no inline scripts or styles,
    so one strict policy covers both.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.headers = {
            "Content-Security-Policy": CONTENT_SECURITY_POLICY.format(media=media_source()),
            "Referrer-Policy": "strict-origin-when-cross-origin",
            "X-Content-Type-Options": "nosniff",
        }

    def __call__(self, request):
        response = self.get_response(request)
        for header, value in self.headers.items():
            if header == "Content-Security-Policy" and settings.DEBUG and response.status_code >= 400:
                # Django's technical error pages (DEBUG only) are styled and scripted inline.
                continue
            response.headers.setdefault(header, value)
        return response


def media_source():
    """The origin (" https://media.host") storage serves files from when it is another host, else ""."""
    parts = urlsplit(default_storage.url("csp-probe"))
    if parts.scheme in {"http", "https"} and parts.netloc:
        return f" {parts.scheme}://{parts.netloc}"
    return ""


class RequestBodyLimitMiddleware:
    """Answers 413 to a body larger than NEWSROOM_MAX_REQUEST_BYTES before anything reads it.

    Otherwise anyone could make the server spool a large upload to disk just by
    sending it. On the upload pages, users allowed to use them may send the
    upload's own limit on top, for the files; the page checks the files itself.

    A body without Content-Length (chunked) is not read at all: Django's
    WSGIRequest takes a missing Content-Length as 0.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # what WSGIRequest reads too
        limit = settings.NEWSROOM_MAX_REQUEST_BYTES
        # Only a large body pays for resolving its URL and loading the user.
        if length > limit and length > limit + self.upload_allowance(request):
            return HttpResponse("Request body too large.\n", status=413, content_type="text/plain")
        return self.get_response(request)

    def upload_allowance(self, request):
        """NEWSROOM_UPLOAD_PAGES: {view name: (permission, dotted path of a function giving the page's limit)}."""
        try:
            page = settings.NEWSROOM_UPLOAD_PAGES.get(resolve(request.path_info).view_name)
        except Resolver404:
            return 0
        if page is None:
            return 0
        permission, limit = page
        user = request.user
        allowed = user.is_active and user.is_staff and user.has_perm(permission)
        # Asked on each request: the limit is the page's own setting, which may change.
        return import_string(limit)() if allowed else 0
