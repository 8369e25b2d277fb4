"""Security headers for every response, set unless a view set its own."""

from django.conf import settings

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' https: data:",
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

    headers = {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "X-Content-Type-Options": "nosniff",
    }

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        for header, value in self.headers.items():
            if header == "Content-Security-Policy" and settings.DEBUG and response.status_code >= 400:
                # Django's technical error pages (DEBUG only) are styled and scripted inline.
                continue
            response.headers.setdefault(header, value)
        return response
