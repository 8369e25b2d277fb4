"""
Reading and writing pictures with Pillow. The bytes come from the network or
an upload: untrusted.

Pure on purpose (bytes in, bytes out; no ORM, no settings, no storage).

- Only JPEG, PNG, WebP and GIF decoders are tried, whatever the extension or
  Content-Type claim: Pillow knows formats (EPS runs Ghostscript) that have
  no business decoding strangers' files.
- The file is verified, then opened again and decoded in full: verify() finds
  a broken structure, only load() finds broken pixel data.
- Decompression bombs are refused before any pixel is decoded: Pillow's limit
  is set for the call and its warning made an error, and the size is checked
  again here in case another thread changed that global in between.
- What is stored is re-encoded from the pixels, after EXIF orientation is
  applied: no EXIF, GPS position, XMP or comment survives.
"""

import hashlib
import io
import struct
import warnings
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field

from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import ImageError

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
# GIF is stored as PNG: a still of its first frame, without the palette's limits.
STORED_FORMAT = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WEBP", "GIF": "PNG"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
# What Pillow raises on a broken file, beyond UnidentifiedImageError.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error, zlib.error)


@dataclass(frozen=True)
class CleanImage:
    """An image Pillow read in full, re-encoded without metadata."""

    data: bytes
    format: str  # JPEG, PNG or WEBP
    width: int
    height: int
    pixels: Image.Image = field(repr=False, compare=False)
    # Kept (on renditions too) so that colours stay right; it says nothing about the source.
    icc_profile: bytes | None = field(default=None, repr=False)

    @property
    def sha256(self):
        return hashlib.sha256(self.data).hexdigest()

    @property
    def extension(self):
        return EXTENSIONS[self.format]


@dataclass(frozen=True)
class RenditionData:
    width: int
    height: int
    format: str  # "webp" or "jpeg", as Rendition.Format
    data: bytes

    @property
    def extension(self):
        return "jpg" if self.format == "jpeg" else self.format


@contextmanager
def _pixel_limit(max_pixels):
    previous = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    finally:
        Image.MAX_IMAGE_PIXELS = previous


def _check_pixels(image, max_pixels):
    width, height = image.size
    if width * height > max_pixels:
        raise ImageError(
            f"{width}x{height} is {width * height:,} pixels, more than the limit of {max_pixels:,}",
            code="too_many_pixels",
        )


def open_image(data: bytes, *, max_pixels: int) -> Image.Image:
    """`data` decoded by Pillow in full, or ImageError saying why not."""
    try:
        with _pixel_limit(max_pixels):
            with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as probe:
                _check_pixels(probe, max_pixels)
                probe.verify()
            image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
            _check_pixels(image, max_pixels)
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageError(
            f"more pixels than the limit of {max_pixels:,}: refused as a possible decompression bomb",
            code="too_many_pixels",
        ) from exc
    except UnidentifiedImageError as exc:
        raise ImageError(
            f"not an image in a format the newsroom takes ({', '.join(ACCEPTED_FORMATS)})", code="not_an_image"
        ) from exc
    except _DECODE_ERRORS as exc:
        raise ImageError(f"a broken or truncated {_format_name(data)}: {exc}", code="broken_image") from exc
    return image


def _format_name(data):
    try:
        with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as image:
            return f"{image.format} image"
    except (Image.DecompressionBombError, Image.DecompressionBombWarning, UnidentifiedImageError, *_DECODE_ERRORS):
        return "image"


def clean_image(data: bytes, *, max_pixels: int) -> CleanImage:
    """`data` checked and re-encoded from its pixels, upright and without metadata."""
    image = open_image(data, max_pixels=max_pixels)
    stored_format = STORED_FORMAT[image.format]
    try:
        upright = ImageOps.exif_transpose(image)
        icc_profile = upright.info.get("icc_profile") if upright.mode in ("RGB", "RGBA") else None
        pixels = _normalised(upright, keep_alpha=stored_format != "JPEG")
        encoded = _encode(pixels, stored_format, icc_profile=icc_profile)
    except _DECODE_ERRORS as exc:
        raise ImageError(f"an image Pillow cannot re-encode: {exc}", code="broken_image") from exc
    return CleanImage(
        data=encoded,
        format=stored_format,
        width=pixels.width,
        height=pixels.height,
        pixels=pixels,
        icc_profile=icc_profile,
    )


def _has_alpha(image):
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def _normalised(image, *, keep_alpha):
    """RGB, or RGBA where there is transparency to keep; a fresh image without `info`."""
    if _has_alpha(image):
        rgba = image.convert("RGBA")
        if keep_alpha:
            pixels = rgba
        else:
            pixels = Image.new("RGB", rgba.size, "white")
            pixels.paste(rgba, mask=rgba.getchannel("A"))
    else:
        pixels = image.convert("RGB")
    # convert() copies info (EXIF, XMP, comments...): nothing of it is written.
    pixels.info = {}
    return pixels


def _encode(pixels, fmt, *, icc_profile=None, rendition=False):
    options = {
        "JPEG": {"quality": 82 if rendition else 90, "optimize": True, "progressive": True},
        "PNG": {"compress_level": 6},
        "WEBP": {"quality": 80 if rendition else 90, "method": 4},
    }[fmt]
    if icc_profile:
        options["icc_profile"] = icc_profile
    buffer = io.BytesIO()
    pixels.save(buffer, fmt, **options)
    return buffer.getvalue()


def rendition_widths(width: int, widths) -> list[int]:
    """The widths to make for an image `width` pixels wide: never wider than the image.

    An image narrower than the largest width also gets its own width, so the
    largest rendition is the image at full size.
    """
    chosen = sorted({w for w in widths if w <= width})
    if width < max(widths) and width not in chosen:
        chosen.append(width)
    return chosen


def make_renditions(clean: CleanImage, *, widths) -> list[RenditionData]:
    """WebP and JPEG copies of `clean` at each of rendition_widths()."""
    renditions = []
    try:
        for width in rendition_widths(clean.width, widths):
            height = max(1, round(clean.height * width / clean.width))
            resized = clean.pixels
            if width != clean.width:
                resized = clean.pixels.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
            webp = _encode(resized, "WEBP", icc_profile=clean.icc_profile, rendition=True)
            flat = _normalised(resized, keep_alpha=False)
            jpeg = _encode(flat, "JPEG", icc_profile=clean.icc_profile, rendition=True)
            renditions += [RenditionData(width, height, "webp", webp), RenditionData(width, height, "jpeg", jpeg)]
    except _DECODE_ERRORS as exc:
        raise ImageError(f"renditions could not be made: {exc}", code="broken_image") from exc
    return renditions
