"""Content-addressed raw store: every changed body, gzip-compressed, named by its sha256,
with a small JSON sidecar holding the Content-Type it came with (the parser needs it to
read the charset and tell text from HTML when the page is re-parsed)."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from pathlib import Path


def sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def path_for(root: Path, digest: str) -> Path:
    return root / digest[:2] / f"{digest}.gz"


def meta_path_for(root: Path, digest: str) -> Path:
    return root / digest[:2] / f"{digest}.json"


def put(root: Path, body: bytes, content_type: str | None = None) -> str:
    """Store `body` once; return its sha256. Written to a temp file and renamed, so a
    crash never leaves a truncated object under the final name."""
    digest = sha256(body)
    target = path_for(root, digest)
    if not target.exists():
        _write_atomically(target, gzip.compress(body, mtime=0))
    meta = meta_path_for(root, digest)
    if content_type is not None and not meta.exists():
        _write_atomically(meta, json.dumps({"content_type": content_type}).encode())
    return digest


def _write_atomically(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".tmp{os.getpid()}")
    tmp.write_bytes(data)
    tmp.replace(target)


def get(root: Path, digest: str) -> bytes:
    return gzip.decompress(path_for(root, digest).read_bytes())


def content_type(root: Path, digest: str) -> str | None:
    """The Content-Type the body was first fetched with, if it was recorded."""
    meta = meta_path_for(root, digest)
    if not meta.exists():
        return None
    value = json.loads(meta.read_text()).get("content_type")
    return str(value) if value is not None else None
