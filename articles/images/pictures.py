"""
What a page needs to show a stored image: its renditions' files, and the <picture> made from them.

Pure on purpose (no models): the models, the template filter and the storing
code all use it, and it uses none of them.
"""

from dataclasses import dataclass

from django.core.files.storage import default_storage

# The renditions' formats, as Rendition.Format stores them.
WEBP = "webp"
JPEG = "jpeg"


@dataclass(frozen=True)
class Picture:
    """What a <picture> element needs; Image.picture() makes it.

    `src`, `width` and `height` are the largest JPEG rendition's: the <img>
    fallback, whose width and height attributes reserve the space.
    """

    webp_srcset: str
    jpeg_srcset: str
    src: str
    width: int
    height: int


def picture_files(renditions):
    """{format: [[file name, width, height], ...]}, smallest first: what a page needs, kept on the Image.

    Pages read it from the image's own row (Image.picture()), so a listing
    shows renditions without a query for them.
    """
    files = {}
    for rendition in sorted(renditions, key=lambda r: r.width):
        files.setdefault(str(rendition.format), []).append([str(rendition.file), rendition.width, rendition.height])
    return files


def picture_from(files):
    """A Picture from picture_files(), or None when there is no JPEG rendition."""
    jpeg, webp = files.get(JPEG), files.get(WEBP)
    if not jpeg:
        return None
    url = default_storage.url
    name, width, height = jpeg[-1]
    return Picture(
        webp_srcset=", ".join(f"{url(n)} {w}w" for n, w, _ in webp or ()),
        jpeg_srcset=", ".join(f"{url(n)} {w}w" for n, w, _ in jpeg),
        src=url(name),
        width=width,
        height=height,
    )
