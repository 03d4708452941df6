"""Bytes → text: charset from the HTTP header, then the page's meta tag, then detection.
A body with no printable text in any encoding is a `ParseError`."""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping

from charset_normalizer import from_bytes

from pipeline.errors import ParseError

_HEADER_CHARSET = re.compile(r"charset=[\"']?([\w.:-]+)", re.I)
_META_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?([\w.:-]+)", re.I)
# Something other than whitespace, control characters and BOMs.
_PRINTABLE = re.compile(r"[^\s\x00-\x1f\x7f\ufeff\ufffd]")


def header(headers: Mapping[str, str] | None, name: str) -> str:
    """Case-insensitive header lookup ('' when absent)."""
    for key, value in (headers or {}).items():
        if key.lower() == name.lower():
            return value
    return ""


def decode(content: bytes, headers: Mapping[str, str] | None) -> str:
    text = _decode(content, headers)
    if not _PRINTABLE.search(text):
        raise ParseError("body has no text")
    return text


def _decode(content: bytes, headers: Mapping[str, str] | None) -> str:
    for candidate in (_from_header(headers), _from_meta(content)):
        if candidate and _known(candidate):
            try:
                text = content.decode(candidate)
                # Escape codecs (unicode_escape, utf-7) can yield lone surrogates, which
                # no later stage can encode: such a charset is no charset for a page.
                text.encode("utf-8")
            except (UnicodeError, LookupError):  # LookupError: a bytes-to-bytes codec
                continue
            return text
    best = from_bytes(content).best()
    if best is None:
        raise ParseError("body is not text in any known encoding")
    return str(best)


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
