"""Read an uploaded resume (PDF, DOCX or plain text) into text, in memory only.

The file type is decided by the bytes, never by the name or the browser's content type. Nothing
is written to disk and no content is logged: a resume is personal data.
"""

from __future__ import annotations

import io
import logging
import threading
import time
import zipfile

__all__ = [
    "MAX_BYTES",
    "MAX_PDF_PAGES",
    "PDF_TIMEOUT_SECONDS",
    "EmptyResume",
    "FileTooLarge",
    "ResumeError",
    "UnreadableFile",
    "UnsupportedFile",
    "extract_text",
]

logger = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024
MAX_PDF_PAGES = 10
PDF_TIMEOUT_SECONDS = 5.0
# A .docx whose main part inflates beyond this is a zip bomb, not a resume.
MAX_DOCX_XML_BYTES = 30 * 1024 * 1024

# Signatures of common files people upload by mistake, to name them in the error.
_KNOWN_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"BM", "a BMP image"),
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a program"),
    (b"\xca\xfe\xba\xbe", "a program"),
    (b"\xcf\xfa\xed\xfe", "a program"),
    (b"#!", "a script"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Word (.doc) or Office file"),
    (b"{\\rtf", "a Rich Text (.rtf) file"),
    (b"\x1f\x8b", "a compressed (.gz) file"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
)
_SAVE_AS = "Please upload a PDF, a Word .docx file or a plain text file."


class ResumeError(ValueError):
    """A resume that cannot be read; ``reason`` is a sentence to show the person."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class UnsupportedFile(ResumeError):
    """A file that is not a PDF, a .docx or plain text."""


class FileTooLarge(ResumeError):
    """A file over ``MAX_BYTES``."""


class UnreadableFile(ResumeError):
    """A PDF or .docx that is damaged, password-protected or too slow to read."""


class EmptyResume(ResumeError):
    """A readable file with no text in it (e.g. a scanned PDF)."""


def extract_text(data: bytes, filename: str | None = None) -> str:
    """Return the text of a resume given as bytes; raise a ``ResumeError`` subclass if unreadable.

    PDFs: the first ``MAX_PDF_PAGES`` pages, within ``PDF_TIMEOUT_SECONDS``. DOCX: paragraphs
    and tables in document order. Text: UTF-8 (with or without BOM), UTF-16 with BOM, else
    Latin-1. ``filename`` is only used to word error messages.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"resume data must be bytes, got {type(data).__name__}")
    data = bytes(data)
    if len(data) > MAX_BYTES:
        raise FileTooLarge(
            f"The file is {len(data) / 1_048_576:.1f} MB; the limit is "
            f"{MAX_BYTES // 1_048_576} MB."
        )
    if not data.strip():
        raise EmptyResume("The file is empty.")
    kind = _sniff(data, filename)
    logger.debug("reading a %s resume of %d bytes", kind, len(data))
    reader = {"pdf": _pdf_text, "docx": _docx_text, "text": _plain_text}[kind]
    text = _tidy(reader(data))
    if not text:
        hint = " It may be a scanned image; please upload a text PDF or a .docx."
        raise EmptyResume("No text could be found in the file." + (hint if kind == "pdf" else ""))
    return text


def _sniff(data: bytes, filename: str | None) -> str:
    # PDF readers accept the header anywhere in the first 1024 bytes, so do we.
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        if _is_docx(data):
            return "docx"
        raise UnsupportedFile(
            f"{_name(filename)} is a ZIP archive, not a Word .docx file. {_SAVE_AS}"
        )
    for signature, what in _KNOWN_SIGNATURES:
        if data.startswith(signature):
            raise UnsupportedFile(f"{_name(filename)} looks like {what}. {_SAVE_AS}")
    if _looks_binary(data):
        raise UnsupportedFile(f"{_name(filename)} is not a document jobatlas can read. {_SAVE_AS}")
    return "text"


def _name(filename: str | None) -> str:
    return f"'{filename}'" if filename else "The file"


def _is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False  # UTF-16 text with a byte-order mark
    if b"\x00" in sample:
        return True
    control = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 12, 13))
    return control > len(sample) * 0.05


def _plain_text(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise UnreadableFile("The text file's UTF-16 encoding is damaged.") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Windows and older Mac editors still save resumes in a single-byte encoding.
        return data.decode("latin-1")


def _docx_text(data: bytes) -> str:
    import docx

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            size = archive.getinfo("word/document.xml").file_size
        if size > MAX_DOCX_XML_BYTES:
            raise UnreadableFile("The Word document is too large to read.")
        document = docx.Document(io.BytesIO(data))
    except ResumeError:
        raise
    except Exception as exc:
        # python-docx and lxml raise many types on a damaged package; all mean the same here.
        raise UnreadableFile("The Word document is damaged and could not be read.") from exc
    lines: list[str] = []
    _collect_blocks(document, lines, seen=set())
    return "\n".join(lines)


def _collect_blocks(container, lines: list[str], seen: set) -> None:
    from docx.table import Table

    for block in container.iter_inner_content():
        if isinstance(block, Table):
            _collect_table(block, lines, seen)
        else:
            lines.append(block.text)


def _collect_table(table, lines: list[str], seen: set) -> None:
    for row in table.rows:
        for cell in row.cells:
            # A merged cell is returned once per grid column it spans; read it once. The set
            # holds the elements themselves: lxml proxies' ids are reused once freed.
            if cell._tc in seen:
                continue
            seen.add(cell._tc)
            _collect_blocks(cell, lines, seen)


def _pdf_text(data: bytes) -> str:
    """Read the PDF in a worker thread; give up after ``PDF_TIMEOUT_SECONDS``."""
    result: dict[str, object] = {}
    deadline = time.monotonic() + PDF_TIMEOUT_SECONDS
    worker = threading.Thread(
        target=_pdf_worker, args=(data, deadline, result), name="resume-pdf", daemon=True
    )
    worker.start()
    worker.join(PDF_TIMEOUT_SECONDS)
    if worker.is_alive() or "timeout" in result:
        # The worker checks the deadline between pages, so it stops soon after this.
        raise UnreadableFile("The PDF took too long to read. Please upload a simpler file.")
    if "error" in result:
        raise result["error"]  # type: ignore[misc]
    return str(result["text"])


def _pdf_worker(data: bytes, deadline: float, result: dict[str, object]) -> None:
    try:
        result["text"] = _read_pdf(data, deadline)
    except _Timeout:
        result["timeout"] = True
    except ResumeError as exc:
        result["error"] = exc
    except Exception as exc:
        # pypdf raises many exception types on malformed input; all mean "damaged" here.
        logger.debug("PDF parse failed: %s", type(exc).__name__)
        result["error"] = UnreadableFile("The PDF is damaged and could not be read.")


class _Timeout(Exception):
    pass


def _read_pdf(data: bytes, deadline: float) -> str:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        try:
            # Many PDFs are encrypted only to restrict editing, with an empty open password.
            opened = reader.decrypt("")
        except (DependencyError, NotImplementedError) as exc:
            raise UnreadableFile("The PDF is encrypted in a way jobatlas cannot open.") from exc
        if not opened:
            raise UnreadableFile(
                "The PDF is password-protected. Please upload a copy without a password."
            )
    pages: list[str] = []
    try:
        for page in reader.pages[:MAX_PDF_PAGES]:
            if time.monotonic() > deadline:
                raise _Timeout
            pages.append(page.extract_text() or "")
    except FileNotDecryptedError as exc:
        raise UnreadableFile("The PDF is password-protected.") from exc
    return "\n".join(pages)


def _tidy(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.replace("\r\n", "\n").split("\n"))
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    return "\n".join(kept).strip()
