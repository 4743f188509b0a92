"""Read txt, md, html, pdf and docx files into `Section`s. PDF pages and markdown headings are kept."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from socle.knowledge.chunking import Section, markdown_sections

from socle.errors import InvalidRequestError


@dataclass(frozen=True, slots=True)
class LoadedDocument:
    """A document's title and sections."""

    title: str
    sections: list[Section]


class _HTMLText(HTMLParser):
    """HTML to markdown-ish text: headings become `#` lines, scripts and styles are dropped."""

    _SKIP = frozenset({"script", "style", "noscript", "template"})
    _BLOCK = frozenset({"p", "div", "li", "tr", "br", "section", "article", "table", "ul", "ol", "pre"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif re.fullmatch(r"h[1-6]", tag):
            self.parts.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag in self._BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skip:
            self._skip -= 1
        elif tag == "title":
            self._in_title = False
        elif re.fullmatch(r"h[1-6]", tag):
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._skip:
            self.parts.append(data)


def _text(data: bytes, name: str) -> LoadedDocument:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InvalidRequestError(f"{name!r} is not UTF-8 text") from e
    return LoadedDocument(Path(name).stem, markdown_sections(text))


def _html(data: bytes, name: str) -> LoadedDocument:
    parser = _HTMLText()
    parser.feed(data.decode("utf-8", errors="replace"))
    text = re.sub(r"[ \t]+", " ", "".join(parser.parts))
    return LoadedDocument(html.unescape(parser.title).strip() or Path(name).stem, markdown_sections(text))


def _pdf(data: bytes, name: str) -> LoadedDocument:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [(page.extract_text() or "") for page in reader.pages]
        title = str(reader.metadata.title) if reader.metadata and reader.metadata.title else Path(name).stem
    except (PdfReadError, ValueError, KeyError) as e:
        raise InvalidRequestError(f"{name!r} is not a readable PDF: {e}") from e
    sections = [Section(text.strip(), page=i + 1) for i, text in enumerate(pages) if text.strip()]
    return LoadedDocument(title, sections)


def _docx(data: bytes, name: str) -> LoadedDocument:
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, ValueError, KeyError) as e:
        raise InvalidRequestError(f"{name!r} is not a readable .docx file") from e
    lines = []
    for paragraph in document.paragraphs:
        style = paragraph.style.name if paragraph.style is not None else ""
        level = int(style.split()[-1]) if style.startswith("Heading") and style.split()[-1].isdigit() else 0
        lines.append(("#" * level + " " if level else "") + paragraph.text)
    title = document.core_properties.title or Path(name).stem
    return LoadedDocument(title, markdown_sections("\n\n".join(lines)))


LOADERS: dict[str, Callable[[bytes, str], LoadedDocument]] = {
    ".txt": _text,
    ".md": _text,
    ".markdown": _text,
    ".html": _html,
    ".htm": _html,
    ".pdf": _pdf,
    ".docx": _docx,
}


def load(data: bytes, name: str) -> LoadedDocument:
    """Read a document by its file name's extension. Raises `InvalidRequestError` for other types."""
    loader = LOADERS.get(Path(name).suffix.lower())
    if loader is None:
        raise InvalidRequestError(f"cannot ingest {name!r}: supported types are {sorted(LOADERS)}")
    return loader(data, name)
