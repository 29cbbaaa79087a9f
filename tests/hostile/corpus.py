"""A corpus of malicious uploads, generated in code, and what each upload endpoint must do with
each one.

Every entry says, for the three kinds of upload the portal takes, what must happen:

- `photo`: an issue's or a commitment's photos (deliberation/photos.py);
- `document`: a notice's attachments (communities/documents.py);
- `workbook`: a spreadsheet import (communities/services/imports.py).

ACCEPT means stored, but only as a checked or re-encoded copy under a random name; REFUSE means
answered 400 with a message, nothing written to the database or to storage; CHECKED_AND_REFUSED
(imports only) means the upload is kept in private storage (never served) and its check says in
words why it cannot be imported.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

from PIL import Image

from communities.documents import tiny_pdf

ACCEPT, REFUSE, CHECKED_AND_REFUSED = "accept", "refuse", "checked-and-refused"

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MB = 1024 * 1024


@dataclass(frozen=True)
class Hostile:
    key: str
    filename: str
    content_type: str
    data: bytes
    photo: str
    document: str
    workbook: str

    def __repr__(self) -> str:  # pytest ids stay short
        return self.key


# --- Building blocks -----------------------------------------------------------------------------


def jpeg(size=(64, 48), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, "JPEG", **save)
    return out.getvalue()


def png(size=(64, 48), mode="RGB", **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, 128).save(out, "PNG", **save)
    return out.getvalue()


def _image(fmt: str, mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (32, 32), 90).save(out, fmt)
    return out.getvalue()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_declaring(width: int, height: int, idat: bytes = b"") -> bytes:
    """A PNG whose header declares the given size, with whatever pixel data follows."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", idat or zlib.compress(b"\0" * 64))
        + _chunk(b"IEND", b"")
    )


def png_bomb(width=8000, height=6000) -> bytes:
    """A real decompression bomb: 48 million grey pixels in about fifty kilobytes."""
    compressor = zlib.compressobj(9)
    row = b"\0" * (width + 1)  # filter byte, then the pixels
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    return png_declaring(width, height, body)


def jpeg_declaring(width: int, height: int) -> bytes:
    """A small JPEG whose frame header is rewritten to claim the given size."""
    data = bytearray(jpeg())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def zip_of(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name, body in entries.items():
            package.writestr(name, body)
    return out.getvalue()


def xlsx_entries(rows=(("代码", "上级代码", "层级", "名称"), ("K9", "C1", "小区", "桂花苑"))):
    """The parts of a real workbook, written by openpyxl, ready to tamper with."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "区域"
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as package:
        return {name: package.read(name) for name in package.namelist()}


def xlsx(changes: dict[str, bytes] | None = None) -> bytes:
    """A workbook written by openpyxl, with the given parts replaced or added."""
    return zip_of({**xlsx_entries(), **(changes or {})})


def xlsx_bomb(unpacked: int = 110 * MB) -> bytes:
    """A workbook whose sheet unpacks to `unpacked` bytes of blanks (about a thousand times its
    packed size)."""
    entries = xlsx_entries()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name, body in entries.items():
            if name != "xl/worksheets/sheet1.xml":
                package.writestr(name, body)
        with package.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/')
            sheet.write(b'main"><sheetData>')
            blanks = b" " * MB
            for _ in range(unpacked // MB):
                sheet.write(blanks)
            sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def macro_content_types() -> bytes:
    types = xlsx_entries()["[Content_Types].xml"]
    return types.replace(b"spreadsheetml.sheet.main+xml", b"sheet.macroEnabled.main+xml")


def docx(**extra: bytes) -> bytes:
    types = (
        b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        b'content-types"><Override PartName="/word/document.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
    )
    entries = {
        "[Content_Types].xml": types,
        "word/document.xml": b"<w:document><w:body><w:p>x</w:p></w:body></w:document>",
    }
    entries.update(extra)
    return zip_of(entries)


def pdf_with(catalog_extra: bytes = b"", *, preamble: bytes = b"", objects=()) -> bytes:
    """A whole PDF (offsets computed, so the reader's checks pass) with extra catalog entries,
    extra objects and bytes after the header line."""
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        *objects,
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n" + preamble)
    offsets = []
    for number, body in enumerate(bodies, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(bodies) + 1, xref)
    )
    return out.getvalue()


SVG_SCRIPT = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.cookie)</script><rect width='10' height='10'/></svg>"
)
SVG_ONLOAD = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
SVG_XLINK = (
    b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
    b'<a xlink:href="javascript:alert(1)"><text y="10">click</text></a></svg>'
)
HTML = b"<!DOCTYPE html><html><body><script>fetch('/me/data/download/')</script></body></html>"
GIF_JS = b"GIF89a/*\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,"
GIF_JS += b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;*/=1;alert(document.domain);//"
PHP = b"<?php system($_GET['c']); ?>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\0" * 48 + b"PE\0\0"
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">'
    + b"".join(b'<!ENTITY lol%d "%s">' % (n, b"&lol%d;" % (n - 1) * 10) for n in range(1, 10))
    + b']><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b"<sheets><sheet name='&lol9;' sheetId='1'/></sheets></workbook>"
)
XXE = (
    b'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
    b'uniqueCount="1"><si><t>&xxe;</t></si></sst>'
)


def _jpeg_with_comment_and_gps() -> bytes:
    img = Image.new("RGB", (64, 48), (10, 200, 30))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (30.0, 35.0, 0.0), 3: "E", 4: (114.0, 17.0, 0.0)}
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif, comment=b"<script>alert(1)</script>")
    return out.getvalue()


def _png_with_script_text() -> bytes:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    return png(pnginfo=info)


def _csv(*lines: str, encoding="utf-8-sig") -> bytes:
    return "\r\n".join(lines).encode(encoding)


def build() -> list[Hostile]:
    a, r, c = ACCEPT, REFUSE, CHECKED_AND_REFUSED
    valid_jpeg, valid_png, valid_pdf = jpeg(), png(), tiny_pdf(["notice"])
    evil_zip = zip_of({"evil.js": b"alert(1)", "../../evil.sh": b"rm -rf /"})
    xlsm_types = macro_content_types()
    vba = {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0macro"}
    entries = [
        # -- Polyglots: one file that two programs read as two things.
        Hostile("gif-js-polyglot", "photo.gif", "image/gif", GIF_JS, r, r, r),
        Hostile("gif-js-polyglot-named-jpg", "photo.jpg", "image/jpeg", GIF_JS, r, r, r),
        Hostile("jpeg-zip-polyglot", "photo.jpg", "image/jpeg", valid_jpeg + evil_zip, a, a, r),
        Hostile("png-zip-polyglot", "photo.png", "image/png", valid_png + evil_zip, a, a, r),
        Hostile("jpeg-xlsx-polyglot", "居民.xlsx", XLSX, valid_jpeg + xlsx(), a, a, r),
        Hostile("pdf-zip-polyglot", "公约.pdf", "application/pdf", valid_pdf + evil_zip, r, r, r),
        Hostile(
            "zip-with-pdf-header",
            "公约.docx",
            "application/zip",
            docx(**{"%PDF-1.4 1 0 obj": b"x"}),
            r,
            r,
            r,
        ),
        Hostile(
            "pdf-html-polyglot",
            "公约.pdf",
            "application/pdf",
            pdf_with(preamble=b"%" + HTML + b"\n"),
            r,
            r,
            r,
        ),
        Hostile("html-disguised-as-pdf", "公约.pdf", "application/pdf", HTML, r, r, r),
        Hostile("html-then-pdf-header", "公约.pdf", "application/pdf", HTML + valid_pdf, r, r, r),
        Hostile(
            "jpeg-with-script-comment-and-gps",
            "photo.jpg",
            "image/jpeg",
            _jpeg_with_comment_and_gps(),
            a,
            a,
            r,
        ),
        Hostile(
            "png-with-script-text-chunk", "photo.png", "image/png", _png_with_script_text(), a, a, r
        ),
        # -- Active content in documents.
        Hostile(
            "pdf-openaction-javascript",
            "公约.pdf",
            "application/pdf",
            pdf_with(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"),
            r,
            r,
            r,
        ),
        Hostile(
            "pdf-javascript-hex-escaped",
            "公约.pdf",
            "application/pdf",
            pdf_with(b"/OpenAction << /S /J#61vaScript /JS (app.alert(1)) >>"),
            r,
            r,
            r,
        ),
        Hostile(
            "pdf-launch-action",
            "公约.pdf",
            "application/pdf",
            pdf_with(b"/OpenAction << /S /Launch /F (cmd.exe) >>"),
            r,
            r,
            r,
        ),
        Hostile(
            "pdf-embedded-file",
            "公约.pdf",
            "application/pdf",
            pdf_with(b"/Names << /EmbeddedFiles 4 0 R >>", objects=[b"<< /Names [] >>"]),
            r,
            r,
            r,
        ),
        Hostile(
            "pdf-xfa-form",
            "公约.pdf",
            "application/pdf",
            pdf_with(b"/AcroForm << /XFA 4 0 R >>", objects=[b"<< >>"]),
            r,
            r,
            r,
        ),
        Hostile(
            "xlsm-macro-enabled",
            "预算.xlsm",
            "application/vnd.ms-excel.sheet.macroEnabled.12",
            xlsx({"[Content_Types].xml": xlsm_types, **vba}),
            r,
            r,
            r,
        ),
        Hostile(
            "xlsm-renamed-xlsx",
            "预算.xlsx",
            XLSX,
            xlsx({"[Content_Types].xml": xlsm_types, **vba}),
            r,
            r,
            r,
        ),
        Hostile("xlsx-with-vba-but-plain-types", "预算.xlsx", XLSX, xlsx(vba), r, r, r),
        Hostile(
            "xlsx-with-printer-settings",
            "居民.xlsx",
            XLSX,
            xlsx({"xl/printerSettings/printerSettings1.bin": b"\x00\x01printer"}),
            r,
            a,
            a,
        ),
        Hostile(
            "xlsx-with-activex",
            "预算.xlsx",
            XLSX,
            xlsx({"xl/activeX/activeX1.xml": b"<ax/>"}),
            r,
            r,
            r,
        ),
        Hostile(
            "docm-renamed-docx",
            "公约.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            docx(**{"word/vbaProject.bin": b"\xd0\xcf\x11\xe0macro"}),
            r,
            r,
            r,
        ),
        Hostile(
            "xlsx-billion-laughs", "居民.xlsx", XLSX, xlsx({"xl/workbook.xml": LAUGHS}), r, r, r
        ),
        Hostile(
            "xlsx-xxe-shared-strings",
            "居民.xlsx",
            XLSX,
            xlsx({"xl/sharedStrings.xml": XXE}),
            r,
            r,
            r,
        ),
        Hostile(
            "xlsx-path-traversal-entry",
            "居民.xlsx",
            XLSX,
            xlsx({"../../tmp/evil.sh": b"rm -rf /"}),
            r,
            r,
            r,
        ),
        # -- SVG, which is a web page that looks like a picture.
        Hostile("svg-with-script", "drawing.svg", "image/svg+xml", SVG_SCRIPT, r, r, r),
        Hostile("svg-named-png", "photo.png", "image/png", SVG_SCRIPT, r, r, r),
        Hostile("svg-onload-named-jpg", "photo.jpg", "image/jpeg", SVG_ONLOAD, r, r, r),
        Hostile("svg-javascript-link", "photo.png", "image/png", SVG_XLINK, r, r, r),
        # -- Decompression bombs.
        Hostile(
            "png-declaring-10-gigapixels",
            "photo.png",
            "image/png",
            png_declaring(100_000, 100_000),
            r,
            r,
            r,
        ),
        Hostile(
            "jpeg-declaring-4-gigapixels",
            "photo.jpg",
            "image/jpeg",
            jpeg_declaring(65_500, 65_500),
            r,
            r,
            r,
        ),
        Hostile("png-real-48-megapixel-bomb", "photo.png", "image/png", png_bomb(), r, r, r),
        Hostile("xlsx-zip-bomb-110mb", "居民.xlsx", XLSX, xlsx_bomb(), r, r, r),
        Hostile(
            "zip-with-3000-entries",
            "居民.xlsx",
            XLSX,
            zip_of({**xlsx_entries(), **{f"xl/x{n}.xml": b"" for n in range(3000)}}),
            r,
            r,
            r,
        ),
        # -- Oversized.
        Hostile(
            "photo-over-10mb",
            "photo.jpg",
            "image/jpeg",
            valid_jpeg[:-2] + b"\0" * (10 * MB) + b"\xff\xd9",
            r,
            r,
            r,
        ),
        Hostile("csv-over-20mb", "居民.csv", "text/csv", b"a," * (10 * MB + 1), r, r, r),
        # -- Truncated and damaged.
        Hostile("jpeg-truncated", "photo.jpg", "image/jpeg", jpeg((400, 300))[:600], r, r, r),
        Hostile("png-truncated", "photo.png", "image/png", png((400, 300))[:60], r, r, r),
        Hostile(
            "png-bad-crc",
            "photo.png",
            "image/png",
            valid_png[:30] + bytes([valid_png[30] ^ 0xFF]) + valid_png[31:],
            r,
            r,
            r,
        ),
        Hostile("pdf-truncated", "公约.pdf", "application/pdf", valid_pdf[:-40], r, r, r),
        Hostile("xlsx-truncated", "居民.xlsx", XLSX, xlsx()[:-200], r, r, r),
        Hostile("empty-file", "photo.jpg", "image/jpeg", b"", r, r, r),
        Hostile("xlsx-of-random-bytes", "居民.xlsx", XLSX, bytes(range(256)) * 40, r, r, r),
        # -- Wrong extension, wrong type.
        Hostile("png-named-exe", "photo.exe", "application/x-msdownload", valid_png, a, a, r),
        Hostile("jpeg-named-html", "index.html", "text/html", valid_jpeg, a, a, r),
        Hostile("php-named-jpg", "shell.php.jpg", "image/jpeg", PHP, r, r, r),
        Hostile("exe-named-pdf", "setup.pdf", "application/pdf", EXE, r, r, r),
        Hostile("bmp-named-jpg", "photo.jpg", "image/jpeg", _image("BMP"), r, r, r),
        Hostile("tiff-named-png", "photo.png", "image/png", _image("TIFF"), r, r, r),
        Hostile("real-gif", "photo.gif", "image/gif", _image("GIF", "P"), r, r, r),
        Hostile("pdf-named-xlsx", "居民.xlsx", XLSX, valid_pdf, r, a, r),
        Hostile("xlsx-named-csv", "居民.csv", "text/csv", xlsx(), r, a, c),
        Hostile(
            "csv-of-binary-with-nul",
            "居民.csv",
            "text/csv",
            b"\x00\x01\x02\xff\xfe" * 2000,
            r,
            r,
            c,
        ),
        Hostile(
            "csv-formulas",
            "居民.csv",
            "text/csv",
            _csv(
                "代码,上级代码,层级,名称", '=HYPERLINK("http://evil.example","x"),C1,小区,@SUM(1)'
            ),
            r,
            r,
            c,
        ),
        # -- Names: folders, NUL, direction overrides, overlong.
        Hostile(
            "path-traversal-name",
            "../../../../etc/cron.d/photo.jpg",
            "image/jpeg",
            valid_jpeg,
            a,
            a,
            r,
        ),
        Hostile(
            "windows-traversal-name",
            "..\\..\\windows\\boot.pdf",
            "application/pdf",
            valid_pdf,
            r,
            a,
            r,
        ),
        Hostile("nul-in-name", "photo.php\x00.jpg", "image/jpeg", valid_jpeg, a, a, r),
        Hostile("rtl-override-name", "invoice\u202egpj.exe", "image/jpeg", valid_jpeg, a, a, r),
        Hostile(
            "rtl-override-csv-name",
            "居民\u202evsc.exe.csv",
            "text/csv",
            _csv("代码,上级代码,层级,名称", "K9,C1,小区,桂花苑"),
            r,
            r,
            a,
        ),
        Hostile("overlong-name", "长" * 300 + ".pdf", "application/pdf", valid_pdf, r, a, r),
        Hostile(
            "control-characters-in-name",
            "a\r\nContent-Type: text/html\r\n.pdf",
            "application/pdf",
            valid_pdf,
            r,
            a,
            r,
        ),
    ]
    keys = [entry.key for entry in entries]
    assert len(keys) == len(set(keys)), "every entry has its own key"
    return entries


CORPUS = build()
