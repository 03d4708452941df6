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


def decode_page(content: bytes, headers: Mapping[str, str] | None) -> Decoded:
    """The body as text, with warnings about declared charsets the bytes contradict."""
    warnings: list[str] = []
    text, utf8 = _decode(content, headers, warnings)
    if not _PRINTABLE.search(text):
        raise ParseError("body has no text")
    return Decoded(text, warnings, utf8)


def _decode(
    content: bytes, headers: Mapping[str, str] | None, warnings: list[str]
) -> tuple[str, bytes | None]:
    declared = [(where, name) for where, name in _declared(content, headers) if _known(name)]
    for index, (where, name) in enumerate(declared):
        if _single_byte(name) and (utf8 := _multibyte_utf8(content)) is not None:
            warnings.append(
                f"{where} declares charset {name}, but the body is UTF-8; read as UTF-8"
            )
            return utf8, content
        text = _try(content, name)
        if text is not None:
            if index:
                first_where, first = declared[0]
                warnings.append(
                    f"{first_where} declares charset {first}, which cannot decode the body; "
                    f"read as {name} ({where})"
                )
            return text, content if _is_utf8(name) else None
    # Valid UTF-8 is UTF-8 (other encodings' text almost never is by accident), and
    # detection costs up to twice the page's parse.
    if (text := _try(content, "utf-8")) is not None:
        return text, content
    best = from_bytes(content).best()
    if best is None:
        raise ParseError("body is not text in any known encoding")
    return str(best), None


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


def _multibyte_utf8(content: bytes) -> str | None:
    """The body as UTF-8 when it is valid UTF-8 and not plain ASCII, else None."""
    if content.isascii():
        return None
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return None


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
