"""Bytes → text: charset from the HTTP header, then the page's meta tag, then UTF-8 when
the bytes are valid UTF-8, then detection.
A body with no printable text in any encoding is a `ParseError`.

A declared single-byte charset (Latin-1, Windows-1252, ASCII) over a body that is valid
UTF-8 with multi-byte sequences is a server or CMS default left in place: Latin-1 would
decode the bytes without error but into mojibake (`GrÃ¼ÃŸe`), while Latin-1 text is
almost never valid UTF-8 by accident. Such a body is read as UTF-8, with a warning; so is
a body whose header and meta disagree and only one of them can decode it."""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from typing import NamedTuple

from charset_normalizer import from_bytes

from pipeline.errors import ParseError

_HEADER_CHARSET = re.compile(r"charset=[\"']?([\w.:-]+)", re.I)
_META_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?([\w.:-]+)", re.I)
# Canonical codec names (`codecs.lookup(...).name`) of the charsets servers default to.
_SINGLE_BYTE = {"iso8859-1", "cp1252", "ascii", "iso8859-15"}
# Something other than whitespace, control characters and BOMs.
_PRINTABLE = re.compile(r"[^\s\x00-\x1f\x7f\ufeff\ufffd]")
_HEAD = 4096  # characters searched for text before the whole body is
_CHUNK = 1 << 14  # bytes: a slice's text stays in the CPU's cache


def header(headers: Mapping[str, str] | None, name: str) -> str:
    """Case-insensitive header lookup ('' when absent)."""
    for key, value in (headers or {}).items():
        if key.lower() == name.lower():
            return value
    return ""


class Decoded(NamedTuple):
    """The body as text, warnings about declared charsets the bytes contradict, and the
    body itself when it is exactly the UTF-8 of `text` (an HTML parser can read it as it
    is, with no encoding back)."""

    text: str
    warnings: list[str]
    utf8: bytes | None


class Body:
    """A `Decoded` whose text is made on first use when the bytes are UTF-8: lxml reads
    those bytes as they are, and only a few searches of a page need its whole text. The
    text of a large page costs more to allocate than to decode (4 bytes a character once
    it holds one character outside the BMP: 3 MB for a 760 KB page)."""

    __slots__ = ("_text", "utf8", "warnings")

    def __init__(self, text: str | None, utf8: bytes | None, warnings: list[str]) -> None:
        self._text, self.utf8, self.warnings = text, utf8, warnings

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = (self.utf8 or b"").decode("utf-8")
        return self._text

    def head(self, size: int) -> str:
        """`text[:size]`, without the whole text."""
        if self._text is not None or self.utf8 is None:
            return self.text[:size]
        # No character is longer than 4 bytes; a sequence cut at the end is left out.
        return codecs.utf_8_decode(self.utf8[: 4 * size], "strict", False)[0][:size]


def decode_page(content: bytes, headers: Mapping[str, str] | None) -> Decoded:
    """The body as text, with warnings about declared charsets the bytes contradict."""
    body = decode_body(content, headers)
    return Decoded(body.text, body.warnings, body.utf8)


def decode_body(content: bytes, headers: Mapping[str, str] | None) -> Body:
    """`decode_page`, its text decoded on first use."""
    warnings: list[str] = []
    text, utf8 = _decode(content, headers, warnings)
    body = Body(text, utf8, warnings)
    # A page's text almost always starts within its first characters.
    if not (_PRINTABLE.search(body.head(_HEAD)) or _PRINTABLE.search(body.text)):
        raise ParseError("body has no text")
    return body


def _decode(
    content: bytes, headers: Mapping[str, str] | None, warnings: list[str]
) -> tuple[str | None, bytes | None]:
    """The text (None: the bytes are UTF-8, not decoded yet) and the bytes when UTF-8."""
    declared = [(where, name) for where, name in _declared(content, headers) if _known(name)]
    for index, (where, name) in enumerate(declared):
        if _single_byte(name) and not content.isascii() and _is_utf8_body(content):
            warnings.append(
                f"{where} declares charset {name}, but the body is UTF-8; read as UTF-8"
            )
            return None, content
        if (found := _read(content, name)) is not None:
            if index:
                first_where, first = declared[0]
                warnings.append(
                    f"{first_where} declares charset {first}, which cannot decode the body; "
                    f"read as {name} ({where})"
                )
            return found
    # Valid UTF-8 is UTF-8 (other encodings' text almost never is by accident), and
    # detection costs up to twice the page's parse.
    if _is_utf8_body(content):
        return None, content
    best = from_bytes(content).best()
    if best is None:
        raise ParseError("body is not text in any known encoding")
    return str(best), None


def _read(content: bytes, name: str) -> tuple[str | None, bytes | None] | None:
    """`_decode`'s answer when the charset decodes the body, else None."""
    if _is_utf8(name):
        return (None, content) if _is_utf8_body(content) else None
    text = _try(content, name)
    return None if text is None else (text, None)


def _is_utf8_body(content: bytes) -> bool:
    """Valid UTF-8, told a slice at a time: no page-sized text is made (see `Body`)."""
    view = memoryview(content)
    position = 0
    try:
        while position < len(content):
            end = position + _CHUNK
            position += codecs.utf_8_decode(view[position:end], "strict", end >= len(content))[1]
    except UnicodeDecodeError:
        return False
    return True


def _declared(content: bytes, headers: Mapping[str, str] | None) -> list[tuple[str, str]]:
    found = [("the HTTP header", _from_header(headers)), ("the meta tag", _from_meta(content))]
    return [(where, name) for where, name in found if name]


def _try(content: bytes, name: str) -> str | None:
    try:
        text = content.decode(name)
        # Escape codecs (unicode_escape, utf-7) can yield lone surrogates, which no later
        # stage can encode: such a charset is no charset for a page. UTF-8 never does.
        if not _is_utf8(name):
            text.encode("utf-8")
    except (UnicodeError, LookupError):  # LookupError: a bytes-to-bytes codec
        return None
    return text


def _is_utf8(name: str) -> bool:
    return codecs.lookup(name).name == "utf-8"


def _single_byte(name: str) -> bool:
    return codecs.lookup(name).name in _SINGLE_BYTE


def _from_header(headers: Mapping[str, str] | None) -> str | None:
    match = _HEADER_CHARSET.search(header(headers, "content-type"))
    return match.group(1) if match else None


def _from_meta(content: bytes) -> str | None:
    match = _META_CHARSET.search(content[:4096])
    return match.group(1).decode("ascii", errors="ignore") if match else None


def _known(name: str) -> bool:
    try:
        codecs.lookup(name)
    except LookupError:
        return False
    return True
