"""Photos are published: only real pictures get through, re-encoded without metadata."""

import io
import random
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image, ImageCms, ImageFile
from PIL.PngImagePlugin import PngInfo

from deliberation.photos import (
    MAX_BYTES,
    MAX_PHOTOS,
    MAX_PIXELS,
    MAX_SIDE,
    clean_photo,
    clean_photos,
)

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
SECRET = "home address: 12 Lane 3, Building 5"


def encode(img: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **options)
    return out.getvalue()


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def jpeg(size=(120, 80), color="steelblue", **options) -> bytes:
    return encode(Image.new("RGB", size, color), "JPEG", **options)


def noise(size) -> Image.Image:
    """Deterministic noise: compresses badly, so a JPEG of it is long enough to cut in half."""
    return Image.frombytes("RGB", size, random.Random(0).randbytes(size[0] * size[1] * 3))


def opened(cleaned: ContentFile) -> Image.Image:
    img = Image.open(io.BytesIO(cleaned.read()))
    cleaned.seek(0)
    return img


def refused(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> str:
    with pytest.raises(ValidationError) as exc:
        clean_photo(upload(data, name, content_type))
    return exc.value.code


def srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


# --- metadata is dropped ---------------------------------------------------------------------


def test_exif_and_gps_are_dropped_and_orientation_applied():
    # 200×100, red on the left and blue on the right, to be shown rotated 90° clockwise.
    img = Image.new("RGB", (200, 100), "blue")
    img.paste(Image.new("RGB", (100, 100), "red"), (0, 0))
    exif = Image.Exif()
    exif[0x010F] = "AcmePhones"  # Make
    exif[0x0110] = "Acme X9"  # Model
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)})
    source = encode(img, "JPEG", exif=exif, icc_profile=srgb_profile())
    # The source really carries what must go.
    assert Image.open(io.BytesIO(source)).getexif().get_ifd(0x8825)[2] == (31.0, 14.0, 0.0)
    assert b"Exif" in source
    assert b"AcmePhones" in source

    cleaned = clean_photo(upload(source, "IMG_2041.jpg"))
    data = cleaned.read()
    out = Image.open(io.BytesIO(data))

    assert out.format == "JPEG"
    assert len(out.getexif()) == 0
    assert b"Exif" not in data
    assert b"GPS" not in data
    assert b"AcmePhones" not in data
    assert "icc_profile" not in out.info
    # Upright: the left (red) half is now on top.
    assert out.size == (100, 200)
    out = out.convert("RGB")
    red, _, blue = out.getpixel((50, 20))
    assert red > 200 > 60 > blue
    red, _, blue = out.getpixel((50, 180))
    assert blue > 200 > 60 > red


def test_jpeg_comment_is_dropped():
    cleaned = clean_photo(upload(jpeg(comment=SECRET.encode())))
    data = cleaned.read()
    assert SECRET.encode() not in data
    assert "comment" not in Image.open(io.BytesIO(data)).info


@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
def test_png_text_chunks_are_dropped(mode):
    info = PngInfo()
    info.add_text("Comment", SECRET)
    info.add_text("Author", SECRET, zip=True)  # zTXt
    info.add_itxt("Description", SECRET, lang="en")  # iTXt
    source = encode(Image.new(mode, (64, 48), "green"), "PNG", pnginfo=info)
    assert Image.open(io.BytesIO(source)).text["Comment"] == SECRET

    data = clean_photo(upload(source, "photo.png", "image/png")).read()

    assert SECRET.encode() not in data
    for chunk in (b"tEXt", b"zTXt", b"iTXt", b"eXIf"):
        assert chunk not in data
    out = Image.open(io.BytesIO(data))
    assert not getattr(out, "text", {})


def test_png_icc_profile_is_dropped():
    # Pillow's PNG writer falls back on the image's own ICC profile unless told otherwise.
    source = encode(Image.new("RGBA", (32, 32), "green"), "PNG", icc_profile=srgb_profile())
    data = clean_photo(upload(source, "photo.png", "image/png")).read()
    assert b"iCCP" not in data
    assert "icc_profile" not in Image.open(io.BytesIO(data)).info


# --- output format -----------------------------------------------------------------------------


def test_png_with_alpha_stays_png():
    img = Image.new("RGBA", (40, 30), (0, 128, 0, 255))
    img.paste((0, 0, 0, 0), (0, 0, 20, 30))  # left half transparent
    cleaned = clean_photo(upload(encode(img, "PNG"), "photo.png", "image/png"))

    assert cleaned.name.endswith(".png")
    out = opened(cleaned)
    assert out.format == "PNG"
    assert out.mode == "RGBA"
    assert out.getpixel((5, 5))[3] == 0
    assert out.getpixel((35, 5)) == (0, 128, 0, 255)


def test_palette_png_with_transparency_stays_png():
    img = Image.new("P", (40, 30), 1)
    img.putpalette([255, 255, 255, 0, 128, 0] + [0] * 762)
    source = encode(img, "PNG", transparency=0)
    cleaned = clean_photo(upload(source, "photo.png", "image/png"))
    assert cleaned.name.endswith(".png")
    assert opened(cleaned).format == "PNG"


def test_opaque_png_becomes_jpeg():
    cleaned = clean_photo(upload(encode(Image.new("RGB", (40, 30)), "PNG"), "a.png", "image/png"))
    assert cleaned.name.endswith(".jpg")
    assert opened(cleaned).format == "JPEG"


def test_webp_becomes_jpeg():
    source = encode(Image.new("RGB", (40, 30), "orange"), "WEBP")
    cleaned = clean_photo(upload(source, "photo.webp", "image/webp"))
    assert cleaned.name.endswith(".jpg")
    out = opened(cleaned)
    assert out.format == "JPEG"
    assert out.mode == "RGB"


def test_transparent_webp_becomes_jpeg_on_white():
    img = Image.new("RGBA", (40, 30), (0, 0, 0, 0))
    source = encode(img, "WEBP", lossless=True)
    cleaned = clean_photo(upload(source, "photo.webp", "image/webp"))
    out = opened(cleaned)
    assert out.format == "JPEG"
    assert all(channel > 245 for channel in out.getpixel((20, 15)))


@pytest.mark.parametrize("mode", ["L", "CMYK", "P"])
def test_other_colour_modes_become_rgb_jpeg(mode):
    fmt = "JPEG" if mode == "CMYK" else "PNG"
    cleaned = clean_photo(upload(encode(Image.new(mode, (40, 30)), fmt)))
    out = opened(cleaned)
    assert (out.format, out.mode) == ("JPEG", "RGB")


def test_large_photo_is_scaled_to_max_side():
    cleaned = clean_photo(upload(jpeg(size=(4000, 3000))))
    assert opened(cleaned).size == (MAX_SIDE, MAX_SIDE * 3 // 4)


def test_small_photo_is_not_enlarged():
    assert opened(clean_photo(upload(jpeg(size=(120, 80))))).size == (120, 80)


# --- what is refused -------------------------------------------------------------------------


def test_pdf_named_jpg_is_refused():
    assert refused(PDF, "photo.jpg", "image/jpeg") == "photo_format"


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
def test_real_pictures_of_other_formats_are_refused(fmt):
    assert refused(encode(Image.new("RGB", (40, 30)), fmt)) == "photo_format"


def test_empty_file_is_refused():
    assert refused(b"") == "photo_format"


def test_truncated_header_is_refused():
    assert refused(jpeg()[:200]) == "photo_format"


def test_truncated_pixel_data_is_refused():
    source = encode(noise((400, 300)), "JPEG", quality=95)
    assert refused(source[: len(source) // 2]) == "photo_format"


def test_corrupt_png_is_refused():
    source = bytearray(encode(noise((64, 48)), "PNG"))
    source[len(source) // 2] ^= 0xFF  # breaks an IDAT checksum
    assert refused(bytes(source), "photo.png", "image/png") == "photo_format"


def test_png_with_a_broken_trailing_chunk_is_refused():
    # Decoding stops at the pixels; only verify() reads on to IEND and checks every checksum.
    source = encode(Image.new("RGB", (20, 20), "red"), "PNG")
    body = b"Comment\0hello"
    crc = zlib.crc32(b"tEXt" + body) ^ 1
    chunk = struct.pack(">I", len(body)) + b"tEXt" + body + struct.pack(">I", crc)
    iend = source.rindex(b"IEND") - 4
    broken = source[:iend] + chunk + source[iend:]
    assert refused(broken, "photo.png", "image/png") == "photo_format"


@pytest.mark.parametrize(
    "size",
    [
        (8000, 5001),  # just over MAX_PIXELS, under Pillow's own limits
        (10000, 10000),  # over Pillow's warning limit
        (20000, 20000),  # over Pillow's error limit
    ],
)
def test_too_many_pixels_are_refused_before_decoding(size, monkeypatch):
    # A 1-bit blank picture compresses to almost nothing: a bomb in a small file.
    source = encode(Image.new("1", size), "PNG")
    assert size[0] * size[1] > MAX_PIXELS
    assert len(source) < MAX_BYTES // 100

    def no_decoding(self):
        raise AssertionError("pixel data decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    assert refused(source, "photo.png", "image/png") == "photo_pixels"


class Unreadable(io.BytesIO):
    def read(self, *args):
        raise AssertionError("read before the size was checked")


def test_too_many_bytes_are_refused_before_reading():
    big = upload(b"\xff" * (MAX_BYTES + 1))
    big.file = Unreadable()
    with pytest.raises(ValidationError) as exc:
        clean_photo(big)
    assert exc.value.code == "photo_bytes"


def test_too_many_bytes_are_refused_even_when_the_size_is_wrong():
    big = upload(b"\xff" * (MAX_BYTES + 1))
    big.size = 100
    with pytest.raises(ValidationError) as exc:
        clean_photo(big)
    assert exc.value.code == "photo_bytes"


# --- several photos ----------------------------------------------------------------------------


def test_more_than_max_photos_are_refused():
    with pytest.raises(ValidationError) as exc, translation.override("en"):
        clean_photos([upload(jpeg()) for _ in range(MAX_PHOTOS + 1)])
    assert exc.value.code == "too_many_photos"
    with translation.override("en"):
        assert exc.value.messages == ["You can add at most 6 photos."]


def test_max_photos_get_distinct_random_names():
    uploads = [upload(jpeg(), f"IMG_204{i}.jpg") for i in range(MAX_PHOTOS)]
    cleaned = clean_photos(uploads)

    assert len(cleaned) == MAX_PHOTOS
    assert all(isinstance(photo, ContentFile) for photo in cleaned)
    names = [photo.name for photo in cleaned]
    assert len(set(names)) == MAX_PHOTOS
    assert all(name.endswith(".jpg") for name in names)
    assert not any("IMG_204" in name for name in names)


def test_no_photos_is_fine():
    assert clean_photos([]) == []


def test_errors_name_each_refused_photo_by_position():
    uploads = [
        upload(jpeg()),
        upload(jpeg()),
        upload(PDF),
        upload(b"\xff" * (MAX_BYTES + 1)),
    ]
    with pytest.raises(ValidationError) as exc:
        clean_photos(uploads)

    assert [error.code for error in exc.value.error_list] == ["photo_format", "photo_bytes"]
    with translation.override("en"):
        assert exc.value.messages == [
            "Photo 3 is not a JPEG, PNG or WebP picture.",
            "Photo 4 is larger than 10 MB.",
        ]


def test_pixel_error_names_the_photo():
    source = encode(Image.new("1", (8000, 5001)), "PNG")
    with pytest.raises(ValidationError) as exc:
        clean_photos([upload(jpeg()), upload(source, "big.png", "image/png")])
    with translation.override("en"):
        assert exc.value.messages == ["Photo 2 is too large: at most 40 million pixels."]
