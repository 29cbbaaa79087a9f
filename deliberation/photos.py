"""Residents' photos are published: decoding each one proves it is a picture, and re-encoding it
drops what the resident did not mean to publish (EXIF, GPS above all, and any text)."""

from __future__ import annotations

import warnings
from io import BytesIO
from uuid import uuid4

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PHOTOS = 6
MAX_BYTES = 10 * 1024 * 1024  # per upload
MAX_PIXELS = 40_000_000  # e.g. 8000×5000
MAX_SIDE = 2560  # longest side after re-encoding
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}

JPEG_QUALITY = 85

# Pillow calls multi-picture JPEGs (what many phones write) "MPO"; the first picture is a JPEG.
_FORMAT_ALIASES = {"MPO": "JPEG"}

# What decoding a malformed or hostile file raises.
_DECODE_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError)
_BOMB_ERRORS = (Image.DecompressionBombError, Image.DecompressionBombWarning)


def _format_error(number: int) -> ValidationError:
    return ValidationError(
        _("Photo %(number)s is not a JPEG, PNG or WebP picture."),
        code="photo_format",
        params={"number": number},
    )


def _pixels_error(number: int) -> ValidationError:
    return ValidationError(
        _("Photo %(number)s is too large: at most 40 million pixels."),
        code="photo_pixels",
        params={"number": number},
    )


def _bytes_error(number: int) -> ValidationError:
    return ValidationError(
        _("Photo %(number)s is larger than 10 MB."),
        code="photo_bytes",
        params={"number": number},
    )


def _open(data: bytes) -> Image.Image:
    return Image.open(BytesIO(data), formats=sorted(ALLOWED_FORMATS))


def _decode(data: bytes, number: int) -> tuple[Image.Image, str]:
    """The decoded picture and its real format, or a ValidationError; pixels are decoded only
    once the header has shown an allowed format of an allowed size."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with _open(data) as probe:
                fmt = _FORMAT_ALIASES.get(probe.format or "", probe.format)
                if fmt not in ALLOWED_FORMATS:
                    raise _format_error(number)
                # Image.open only read the header: refuse a bomb before a pixel is decoded.
                if probe.width * probe.height > MAX_PIXELS:
                    raise _pixels_error(number)
                probe.verify()
            # verify() leaves the image unusable: open again to decode it.
            img = _open(data)
            img.load()
        except _BOMB_ERRORS as exc:
            raise _pixels_error(number) from exc
        except _DECODE_ERRORS as exc:
            raise _format_error(number) from exc
    return img, fmt


def clean_photo(upload, *, number: int = 1) -> ContentFile:
    """A re-encoded copy of an uploaded photo under a random name, or a ValidationError.

    JPEG (quality 85, progressive), except PNGs with transparency, which stay PNG; at most
    MAX_SIDE on the longest side; upright per EXIF orientation; no EXIF, ICC or text at all.
    """
    if upload.size is not None and upload.size > MAX_BYTES:
        raise _bytes_error(number)
    upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:  # the size was not told, or not told truthfully
        raise _bytes_error(number)

    img, fmt = _decode(data, number)
    try:
        keep_png = fmt == "PNG" and img.has_transparency_data
        img = ImageOps.exif_transpose(img)
        if keep_png:
            if img.mode not in ("RGBA", "LA"):
                img = img.convert("RGBA")
        elif img.has_transparency_data:
            rgba = img.convert("RGBA")
            img = Image.new("RGB", rgba.size, "white")
            img.paste(rgba, mask=rgba.getchannel("A"))
        else:
            img = img.convert("RGB")
        img.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
        # Save falls back on img.info for some metadata (PNG's ICC profile, JPEG's comment):
        # leave it nothing to fall back on.
        img.info = {}
        out = BytesIO()
        if keep_png:
            img.save(out, "PNG", optimize=True)
            ext = "png"
        else:
            img.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
            ext = "jpg"
    except _DECODE_ERRORS as exc:
        raise _format_error(number) from exc
    return ContentFile(out.getvalue(), name=f"{uuid4().hex}.{ext}")


def clean_photos(uploads: list) -> list[ContentFile]:
    """Every photo cleaned, or a ValidationError naming each refused photo by its position."""
    if len(uploads) > MAX_PHOTOS:
        raise ValidationError(_("You can add at most 6 photos."), code="too_many_photos")
    cleaned: list[ContentFile] = []
    errors: list[ValidationError] = []
    for number, upload in enumerate(uploads, start=1):
        try:
            cleaned.append(clean_photo(upload, number=number))
        except ValidationError as exc:
            errors.append(exc)
    if errors:
        raise ValidationError(errors)
    return cleaned
