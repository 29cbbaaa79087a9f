"""Documents attached to notices are downloaded by every resident, so each upload is judged by
its bytes, never by its name or the type the browser claims: a PDF must be a whole PDF with no
script in it, a picture is decoded and re-encoded without its metadata, a Word or Excel file must
be the ZIP package of one, without macros. Anything else is refused with a message that says what
we accept. Stored names are random; the name the publisher gave is cleaned and kept for display.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from io import BytesIO
from pathlib import PurePosixPath
from uuid import uuid4

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024  # per document
MAX_ATTACHMENTS = 10  # per notice
MAX_PIXELS = 40_000_000
MAX_SIDE = 2480  # an A4 page at 300 dpi
JPEG_QUALITY = 88
# A Word or Excel package: how many parts and how many bytes once unpacked, at most.
MAX_ZIP_ENTRIES = 2000
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_NAME = 80

PDF, JPEG, PNG, DOCX, XLSX = "pdf", "jpeg", "png", "docx", "xlsx"
EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png", DOCX: "docx", XLSX: "xlsx"}
CONTENT_TYPES = {
    PDF: "application/pdf",
    JPEG: "image/jpeg",
    PNG: "image/png",
    DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
ACCEPT = ",".join([".pdf", ".jpg", ".jpeg", ".png", ".docx", ".xlsx", *CONTENT_TYPES.values()])

# The main part each Office package must declare, as its content type says it.
OFFICE_MAIN_PARTS = {
    DOCX: ("word/document.xml", b"wordprocessingml.document.main+xml"),
    XLSX: ("xl/workbook.xml", b"spreadsheetml.sheet.main+xml"),
}
# Names in a PDF that run something when the file is opened or clicked; a notice never needs them.
PDF_ACTIVE_NAMES = {
    b"JavaScript",
    b"JS",
    b"Launch",
    b"EmbeddedFile",
    b"EmbeddedFiles",
    b"RichMedia",
    b"XFA",
    b"SubmitForm",
    b"ImportData",
}
_PDF_NAME = re.compile(rb"/((?:[A-Za-z0-9_.+-]|#[0-9A-Fa-f]{2})+)")
_PDF_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
_PDF_XREF_AT = re.compile(rb"(xref|\d+\s+\d+\s+obj)")
# The keyword that opens a stream's bytes ("endstream" has no word boundary before "stream").
_PDF_STREAM = re.compile(rb"\bstream(?:\r\n|\n|\r)")
_DECODE_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError)
# Markup a browser would run if it ever took the file for a web page (a PDF/HTML polyglot):
# a PDF's own syntax outside its streams never contains it.
_HTML_MARKUP = re.compile(rb"(?i)<\s*(?:script|html|body|svg|iframe|object|embed)\b")
# Office XML never declares a DTD; one that does is after the parser (entity bombs, XXE).
_XML_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)")
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Document:
    """A checked document, ready to store: its content under a random name, what it is, and
    the name to show."""

    content: ContentFile
    kind: str
    name: str
    size: int


def _refused(name: str) -> ValidationError:
    return ValidationError(
        _(
            "“%(name)s” is not a document we accept. Attach a PDF, a JPEG or PNG picture, "
            "a Word document (.docx) or an Excel workbook (.xlsx)."
        ),
        code="document_format",
        params={"name": name},
    )


def _damaged(name: str) -> ValidationError:
    return ValidationError(
        _("“%(name)s” is damaged or incomplete. Save it again and attach the new copy."),
        code="document_damaged",
        params={"name": name},
    )


def _active(name: str) -> ValidationError:
    return ValidationError(
        _(
            "“%(name)s” contains scripts, macros or embedded files, which we do not publish. "
            "Save it as a plain PDF or document and attach that."
        ),
        code="document_active",
        params={"name": name},
    )


def display_name(raw: str, kind: str) -> str:
    """The publisher's file name, safe to show and to offer as a download name: no folders, no
    control or direction-changing characters, no characters Windows refuses, and the extension
    of what the file really is."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(
        " " if unicodedata.category(char).startswith("Z") else char
        for char in name
        if not unicodedata.category(char).startswith("C")
    )
    name = re.sub(r'[<>:"|?*]', "_", name)
    stem = PurePosixPath(name).stem if "." in name else name
    stem = re.sub(r"\s+", " ", stem).strip(" .")[:MAX_NAME] or str(_("attachment"))
    return f"{stem}.{EXTENSIONS[kind]}"


def _sniff(data: bytes) -> str | None:
    """What the bytes say the file is, from its magic number at offset 0."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"PK\x03\x04"):
        return "zip"
    return None


def _looks_like_another_format(data: bytes, kind: str) -> bool:
    """A polyglot: a file that another program reads as something else. PDF readers look for
    their header anywhere in the first kilobyte; ZIP readers look for the end record anywhere
    near the end. Pictures are re-encoded, so whatever else their bytes held is gone anyway."""
    if kind == PDF:
        return b"PK\x05\x06" in data[-(65536 + 22) :] or b"PK\x03\x04" in data[:1024]
    if kind == "zip":
        return b"%PDF" in data[:1024]
    return False


def _pdf_text(data: bytes):
    """The parts of a PDF where names are written: everything outside streams (whose compressed
    bytes would match by chance), and the unpacked content of object streams, where a PDF 1.5
    file keeps its dictionaries."""
    position = 0
    while start := _PDF_STREAM.search(data, position):
        end = data.find(b"endstream", start.end())
        if end < 0:
            break
        header = data[position : start.start()]
        yield header
        dictionary = header[header.rfind(b"<<") :]
        if b"/ObjStm" in dictionary and b"/FlateDecode" in dictionary:
            # A stream the reader cannot unpack holds nothing it would run.
            with contextlib.suppress(zlib.error):
                yield zlib.decompressobj().decompress(data[start.end() : end], MAX_UNPACKED_BYTES)
        position = end + len(b"endstream")
    yield data[position:]


def _check_pdf(data: bytes, name: str) -> None:
    """A whole PDF (its last cross-reference points into the file at a table or an object) with
    none of the names that make a reader run something."""
    tail = data[-2048:]
    end = _PDF_STARTXREF.search(tail)
    if end is None:
        raise _damaged(name)
    offset = int(end.group(1))
    if not 0 < offset < len(data) or not _PDF_XREF_AT.match(data, offset):
        raise _damaged(name)
    for text in _pdf_text(data):
        if _HTML_MARKUP.search(text):
            raise _active(name)
        # Names may hide behind #xx escapes (/J#61vaScript); read them as a PDF reader does.
        for match in _PDF_NAME.finditer(text):
            token = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m[1], 16)]), match[1])
            if token in PDF_ACTIVE_NAMES:
                raise _active(name)


def is_active_part(part: str) -> bool:
    """Macros (vbaProject.bin), ActiveX controls, or another binary part; Excel and Word write
    the printer's settings as a binary part of its own, which runs nothing."""
    lowered = part.lower()
    if "activex" in lowered or "vbaproject" in lowered:
        return True
    return lowered.endswith(".bin") and "/printersettings/" not in lowered


def _check_office(data: bytes, name: str) -> str:
    """A Word or Excel package: a ZIP that starts at the first byte and ends at the last, with
    sane sizes, no path that climbs out, its declared main part, and no macros."""
    end = data.rfind(b"PK\x05\x06")
    if end < 0 or end + 22 > len(data):
        raise _damaged(name)
    comment_length = int.from_bytes(data[end + 20 : end + 22], "little")
    if end + 22 + comment_length != len(data):
        raise _refused(name)  # something is appended after the package
    try:
        with zipfile.ZipFile(BytesIO(data)) as package:
            entries = package.infolist()
            if len(entries) > MAX_ZIP_ENTRIES:
                raise _refused(name)
            if sum(entry.file_size for entry in entries) > MAX_UNPACKED_BYTES:
                raise _refused(name)
            names = {entry.filename for entry in entries}
            for part in names:
                if part.startswith(("/", "\\")) or ".." in PurePosixPath(part).parts:
                    raise _refused(name)
                if is_active_part(part):
                    raise _active(name)
            if "[Content_Types].xml" not in names:
                raise _refused(name)
            content_types = package.read("[Content_Types].xml")
            if b"macroEnabled" in content_types or b"vbaProject" in content_types:
                raise _active(name)
            kind = next(
                (
                    kind
                    for kind, (part, declared) in OFFICE_MAIN_PARTS.items()
                    if part in names and declared in content_types
                ),
                None,
            )
            if kind is None:
                raise _refused(name)
            for entry in entries:
                if _declares_a_dtd(package, entry):
                    raise _refused(name)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as exc:
        raise _damaged(name) from exc
    return kind


def _declares_a_dtd(package: zipfile.ZipFile, entry: zipfile.ZipInfo) -> bool:
    """Read the part to its end (which checks its CRC, raising BadZipFile on a damaged one) and
    say whether it is XML that declares a DTD."""
    is_xml = entry.filename.lower().endswith((".xml", ".rels"))
    found, tail = False, b""
    with package.open(entry) as part:
        while chunk := part.read(_CHUNK):
            found = found or (is_xml and bool(_XML_DTD.search(tail + chunk)))
            tail = chunk[-16:]
    return found


def _reencode_picture(data: bytes, kind: str, name: str) -> tuple[bytes, str]:
    """Decode the picture (pixels bounded before decoding) and write it again without EXIF,
    GPS, ICC or text: JPEG, or PNG when it has transparency."""
    formats = ["JPEG"] if kind == JPEG else ["PNG"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(BytesIO(data), formats=formats) as probe:
                if probe.width * probe.height > MAX_PIXELS:
                    raise _refused(name)
                probe.verify()
            img = Image.open(BytesIO(data), formats=formats)
            img.load()
            keep_png = kind == PNG and img.has_transparency_data
            img = ImageOps.exif_transpose(img)
            img = img.convert("RGBA" if keep_png else "RGB")
            img.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
            img.info = {}
            out = BytesIO()
            if keep_png:
                img.save(out, "PNG", optimize=True)
                return out.getvalue(), PNG
            img.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
            return out.getvalue(), JPEG
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _refused(name) from exc
        except _DECODE_ERRORS as exc:
            raise _damaged(name) from exc


def clean_document(upload) -> Document:
    """A checked copy of an uploaded document under a random name, or a ValidationError that
    names the file and says what we accept."""
    shown = display_name(getattr(upload, "name", ""), PDF).rsplit(".", 1)[0]
    if upload.size is not None and upload.size > MAX_BYTES:
        raise ValidationError(
            _("“%(name)s” is larger than 10 MB."), code="document_bytes", params={"name": shown}
        )
    upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:  # the size was not told, or not told truthfully
        raise ValidationError(
            _("“%(name)s” is larger than 10 MB."), code="document_bytes", params={"name": shown}
        )
    kind = _sniff(data)
    if kind is None or _looks_like_another_format(data, kind):
        raise _refused(shown)
    if kind == PDF:
        _check_pdf(data, shown)
    elif kind == "zip":
        kind = _check_office(data, shown)
    else:
        data, kind = _reencode_picture(data, kind, shown)
    return Document(
        content=ContentFile(data, name=f"{uuid4().hex}.{EXTENSIONS[kind]}"),
        kind=kind,
        name=display_name(getattr(upload, "name", ""), kind),
        size=len(data),
    )


def clean_documents(uploads: list) -> list[Document]:
    """Every document checked, or a ValidationError naming each one refused."""
    if len(uploads) > MAX_ATTACHMENTS:
        raise ValidationError(
            _("You can attach at most %(count)s documents."),
            code="too_many_documents",
            params={"count": MAX_ATTACHMENTS},
        )
    cleaned: list[Document] = []
    errors: list[ValidationError] = []
    for upload in uploads:
        try:
            cleaned.append(clean_document(upload))
        except ValidationError as exc:
            errors.append(exc)
    if errors:
        raise ValidationError(errors)
    return cleaned


def tiny_pdf(lines: list[str]) -> bytes:
    """A small valid one-page PDF with the given lines of ASCII text, for demo data and tests.
    Its cross-reference offsets are computed, so `clean_document` accepts it."""
    text = "\n".join(
        f"BT /F1 14 Tf 56 {780 - 22 * number} Td ({line.replace('(', '[').replace(')', ']')}) Tj ET"
        for number, line in enumerate(lines)
    ).encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()
