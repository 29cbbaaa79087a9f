"""Attachments are judged by their bytes: a corpus of bad files is refused, good ones are kept
under random names with a cleaned display name."""

import io
import zipfile
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from communities import documents
from communities.documents import clean_document, clean_documents, display_name, tiny_pdf


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def office(kind: str, *, extra: dict[str, bytes] | None = None, macro: bool = False) -> bytes:
    main, declared = {
        "docx": ("word/document.xml", "wordprocessingml.document.main+xml"),
        "xlsx": ("xl/workbook.xml", "spreadsheetml.sheet.main+xml"),
    }[kind]
    if macro:
        declared = declared.replace(".main+xml", ".macroEnabled.main+xml")
    content_types = (
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        f'content-types"><Override PartName="/{main}" ContentType="application/'
        f'vnd.openxmlformats-officedocument.{declared}"/></Types>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", content_types)
        package.writestr(main, "<document>小区公约</document>")
        for name, data in (extra or {}).items():
            package.writestr(name, data)
    return out.getvalue()


def picture(fmt: str, *, exif: bool = False) -> bytes:
    img = Image.new("RGB", (40, 30), "red")
    out = io.BytesIO()
    kwargs = {}
    if exif:
        tags = Image.Exif()
        tags[0x010F] = "PhoneMaker"  # Make
        kwargs["exif"] = tags.tobytes()
    img.save(out, fmt, **kwargs)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("小区公约.pdf", tiny_pdf(["Convention"]), "pdf"),
        ("自主管理手册.docx", office("docx"), "docx"),
        ("收支明细.xlsx", office("xlsx"), "xlsx"),
        ("票据.png", picture("PNG"), "jpeg"),
        ("照片.jpg", picture("JPEG"), "jpeg"),
    ],
)
def test_the_documents_we_accept_are_kept_under_a_random_name(name, data, kind):
    document = clean_document(upload(name, data))
    assert document.kind == kind
    assert document.name.rsplit(".", 1)[0] == name.rsplit(".", 1)[0]
    assert document.content.name != name
    assert len(document.content.name.split(".")[0]) == 32


def test_a_picture_is_re_encoded_without_its_metadata():
    document = clean_document(upload("receipt.jpg", picture("JPEG", exif=True)))
    with Image.open(io.BytesIO(document.content.read())) as img:
        assert not img.getexif()


def test_a_pdf_named_as_a_word_file_is_a_pdf_by_its_bytes():
    document = clean_document(upload("公约.docx", tiny_pdf(["x"])))
    assert (document.kind, document.name) == ("pdf", "公约.pdf")


HTML = b"<!doctype html><script>alert(1)</script>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
EXE = b"MZ\x90\x00" + b"\x00" * 200


def pdf_with_catalog(entries: bytes) -> bytes:
    """tiny_pdf with more in its catalog, and its startxref pointing at the moved table."""
    data = tiny_pdf(["x"]).replace(
        b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Catalog /Pages 2 0 R " + entries + b">>"
    )
    head, _old = data.rsplit(b"startxref", 1)
    return head + b"startxref\n%d\n%%%%EOF\n" % data.rindex(b"xref\n0 ")


PDF_WITH_SCRIPT = pdf_with_catalog(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >> ")
PDF_WITH_HIDDEN_SCRIPT = pdf_with_catalog(b"/OpenAction << /S /J#61vaScript >> ")
_PACKED = zlib.compress(b"6 0 << /S /JavaScript /JS (app.alert(1)) >>")
PDF_WITH_PACKED_SCRIPT = pdf_with_catalog(
    b"/Extra << /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\n%s\n"
    b"endstream " % (len(_PACKED), _PACKED)
)
PDF_PLUS_ZIP = tiny_pdf(["x"]) + office("docx")
ZIP_PLUS_PDF = b"%PDF-1.4\n" + office("docx")


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("公约.pdf", HTML, "document_format"),  # wrong extension: a web page called a PDF
        ("setup.pdf", EXE, "document_format"),
        ("logo.svg", SVG, "document_format"),  # SVG with a script: not a format we accept
        ("logo.png", SVG, "document_format"),
        ("公约.pdf", PDF_WITH_SCRIPT, "document_active"),
        ("公约.pdf", PDF_WITH_HIDDEN_SCRIPT, "document_active"),
        ("公约.pdf", PDF_WITH_PACKED_SCRIPT, "document_active"),  # inside an object stream
        ("公约.pdf", PDF_PLUS_ZIP, "document_format"),  # polyglot: PDF and ZIP at once
        ("手册.docx", ZIP_PLUS_PDF, "document_format"),  # polyglot: ZIP behind a PDF header
        ("手册.docx", office("docx") + b"trailing", "document_format"),
        ("公约.pdf", tiny_pdf(["x"])[:-60], "document_damaged"),  # truncated
        ("手册.docx", office("docx")[:-30], "document_damaged"),  # truncated
        ("照片.jpg", picture("JPEG")[:80], "document_damaged"),  # truncated
        ("宏.docm", office("docx", macro=True), "document_active"),
        ("宏.docx", office("docx", extra={"word/vbaProject.bin": b"x"}), "document_active"),
        ("手册.docx", office("docx", extra={"../../etc/passwd": b"x"}), "document_format"),
        (
            "data.zip",
            office("docx").replace(b"[Content_Types]", b"[Content_Typex]"),
            "document_format",
        ),
        ("empty.pdf", b"", "document_format"),
    ],
)
def test_a_file_that_is_not_a_document_we_accept_is_refused_with_a_message(name, data, code):
    with pytest.raises(ValidationError) as error:
        clean_document(upload(name, data))
    assert error.value.code == code
    assert name.rsplit(".", 1)[0] in error.value.messages[0]


def test_an_oversized_document_is_refused_before_it_is_read(monkeypatch):
    monkeypatch.setattr(documents, "MAX_BYTES", 100)
    with pytest.raises(ValidationError) as error:
        clean_document(upload("big.pdf", tiny_pdf(["x"] * 20)))
    assert error.value.code == "document_bytes"


def test_a_zip_bomb_is_refused_by_its_declared_size(monkeypatch):
    monkeypatch.setattr(documents, "MAX_UNPACKED_BYTES", 1000)
    with pytest.raises(ValidationError) as error:
        clean_document(upload("bomb.xlsx", office("xlsx", extra={"xl/big.xml": b"0" * 10_000})))
    assert error.value.code == "document_format"


def test_at_most_ten_documents_and_each_refused_one_is_named():
    with pytest.raises(ValidationError) as error:
        clean_documents([upload(f"{n}.pdf", tiny_pdf(["x"])) for n in range(11)])
    assert error.value.code == "too_many_documents"
    with pytest.raises(ValidationError) as error:
        clean_documents([upload("好.pdf", tiny_pdf(["x"])), upload("坏.pdf", HTML)])
    assert [message for message in error.value.messages if "坏" in message]
    assert not [message for message in error.value.messages if "好" in message]


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\张三\\公约.PDF", "公约.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.pdf"),  # right-to-left override removed
        ('a<b>:"c|?*.pdf', "a_b___c___.pdf"),
        ("   .pdf", "attachment.pdf"),
        ("公约", "公约.pdf"),
    ],
)
def test_the_display_name_is_cleaned_and_carries_the_real_extension(raw, shown):
    with translation.override("en"):  # a name with nothing left is called "attachment"
        assert display_name(raw, "pdf") == shown
