"""Bytes → text: charset from the HTTP header, then the page's meta tag, then detection."""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping

from charset_normalizer import from_bytes

_HEADER_CHARSET = re.compile(r"charset=[\"']?([\w.:-]+)", re.I)
_META_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?([\w.:-]+)", re.I)


def header(headers: Mapping[str, str] | None, name: str) -> str:
    """Case-insensitive header lookup ('' when absent)."""
    for key, value in (headers or {}).items():
        if key.lower() == name.lower():
            return value
    return ""


def decode(content: bytes, headers: Mapping[str, str] | None) -> str:
    for candidate in (_from_header(headers), _from_meta(content)):
        if candidate and _known(candidate):
            try:
                return content.decode(candidate)
            except UnicodeDecodeError:
                continue
    best = from_bytes(content).best()
    return str(best) if best is not None else content.decode("utf-8", errors="replace")


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
