"""Path converters for the public site's URLs."""

from django.urls import register_converter
from django.urls.converters import StringConverter


class SegmentConverter(StringConverter):
    """One path segment that names a story, a topic or a provider: a slug or a domain.

    Django's `str` takes anything but "/". A NUL would go on into the query,
    where PostgreSQL refuses it (a 500), and no slug or domain has control
    characters or runs past 255 characters (the longest such column). Those
    paths match no pattern: a 404, before any view or query.
    """

    regex = r"[^/\x00-\x1f\x7f]{1,255}"


class IndexNowKeyConverter(StringConverter):
    """An IndexNow key, as IndexNow defines one: 8 to 128 letters, digits and dashes (the key file's name)."""

    regex = r"[A-Za-z0-9-]{8,128}"


# Registered once, on import, for every URLconf that names them: the site's, the API's, the bench's.
register_converter(SegmentConverter, "segment")
register_converter(IndexNowKeyConverter, "indexnow_key")
