"""Reading uploaded resumes: PDF, DOCX and text by content, with clear errors for bad files."""

from __future__ import annotations

import io
import logging
import zipfile
from pathlib import Path

import docx
import pytest

from jobatlas import resume
from jobatlas.resume import (
    EmptyResume,
    FileTooLarge,
    ResumeError,
    UnreadableFile,
    UnsupportedFile,
    extract_text,
)

FIXTURES = Path(__file__).parent / "fixtures" / "resumes"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_pdf_text_is_read():
    text = extract_text(fixture("truck_driver.pdf"), "truck_driver.pdf")
    assert "Class A CDL driver" in text
    assert "pre-trip and post-trip inspections" in text


def test_type_comes_from_content_not_name():
    assert "Class A CDL" in extract_text(fixture("truck_driver.pdf"), "resume.txt")


def test_pdf_reads_only_the_first_pages():
    text = extract_text(fixture("twelve_pages.pdf"))
    assert f"Page marker {resume.MAX_PDF_PAGES:02d}" in text
    assert f"Page marker {resume.MAX_PDF_PAGES + 1:02d}" not in text


def test_password_protected_pdf_is_refused_clearly():
    with pytest.raises(UnreadableFile, match="password"):
        extract_text(fixture("encrypted.pdf"))


@pytest.mark.parametrize("cut", [0.1, 0.5])
def test_truncated_pdf_is_reported_damaged(cut):
    data = fixture("truck_driver.pdf")
    with pytest.raises(UnreadableFile, match="damaged"):
        extract_text(data[: int(len(data) * cut)])


def test_garbage_after_pdf_header_is_reported_damaged():
    with pytest.raises(UnreadableFile, match="damaged"):
        extract_text(b"%PDF-1.7\n" + bytes(range(256)) * 20)


def test_slow_pdf_is_stopped(monkeypatch):
    monkeypatch.setattr(resume, "PDF_TIMEOUT_SECONDS", 0.0)
    with pytest.raises(UnreadableFile, match="too long"):
        extract_text(fixture("twelve_pages.pdf"))


def test_docx_paragraphs_and_tables_in_order():
    text = extract_text(fixture("line_cook.docx"), "line_cook.docx")
    lines = text.splitlines()
    assert lines[0] == "Ana Lopez"
    assert "Casa Verde Grill" in lines
    assert "Prep Cook and Dishwasher" in lines
    assert lines.index("Casa Verde Grill") < lines.index("Food handler card, ServSafe certified.")


def test_docx_merged_cell_is_read_once():
    document = docx.Document()
    table = document.add_table(rows=1, cols=3)
    merged = table.cell(0, 0).merge(table.cell(0, 2))
    merged.text = "Forklift operator 2020-2024"
    buffer = io.BytesIO()
    document.save(buffer)
    assert extract_text(buffer.getvalue()).count("Forklift operator") == 1


def test_empty_docx_is_reported_empty():
    with pytest.raises(EmptyResume, match="No text"):
        extract_text(fixture("empty.docx"), "empty.docx")


def test_damaged_docx_is_reported():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<not-xml")
        archive.writestr("[Content_Types].xml", "also not xml")
    with pytest.raises(UnreadableFile, match="damaged"):
        extract_text(buffer.getvalue())


def test_zip_that_is_not_docx_is_unsupported():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("photos/me.txt", "hello")
    with pytest.raises(UnsupportedFile, match="ZIP archive"):
        extract_text(buffer.getvalue(), "resume.docx")


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "PNG image"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 64, "JPEG image"),
        (b"MZ\x90\x00" + b"\x00" * 64, "Windows program"),
        (b"\x7fELF\x02\x01" + b"\x00" * 64, "program"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, r"old Word \(.doc\)"),
        (bytes(range(256)) * 4, "not a document"),
    ],
)
def test_other_files_are_unsupported_with_a_reason(data, words):
    with pytest.raises(UnsupportedFile, match=words) as caught:
        extract_text(data, "upload.bin")
    assert "PDF" in caught.value.reason


def test_too_large_file_is_refused_before_parsing():
    data = b"%PDF-1.7\n" + b" " * resume.MAX_BYTES
    with pytest.raises(FileTooLarge, match="limit is 5 MB"):
        extract_text(data)


@pytest.mark.parametrize("data", [b"", b"   \n\t "])
def test_empty_file_is_reported(data):
    with pytest.raises(EmptyResume):
        extract_text(data)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("Cajera y cocinera en panadería".encode(), "Cajera y cocinera en panadería"),
        ("Cajera y cocinera en panadería".encode("latin-1"), "Cajera y cocinera en panadería"),
        ("\ufeffCNA, turned patients".encode(), "CNA, turned patients"),
        ("Home health aide".encode("utf-16"), "Home health aide"),
    ],
)
def test_text_encodings(data, expected):
    assert extract_text(data, "resume.txt") == expected


def test_text_whitespace_is_tidied():
    data = b"Stocker\r\n\r\n\r\n\r\nStocked   shelves\t and   faced  product\n"
    assert extract_text(data) == "Stocker\n\nStocked shelves and faced product"


def test_errors_are_value_errors_with_reason():
    with pytest.raises(ValueError) as caught:
        extract_text(b"GIF89a" + b"\x00" * 20)
    assert isinstance(caught.value, ResumeError)
    assert caught.value.reason == str(caught.value)


def test_non_bytes_input_is_a_type_error():
    with pytest.raises(TypeError):
        extract_text("a string")  # type: ignore[arg-type]


def test_content_is_never_logged(caplog):
    with caplog.at_level(logging.DEBUG, logger="jobatlas"):
        extract_text(fixture("truck_driver.pdf"))
        extract_text(fixture("line_cook.docx"))
        extract_text(fixture("cna.txt"))
    assert "Marcus" not in caplog.text
    assert "Ana Lopez" not in caplog.text
    assert "residents" not in caplog.text
