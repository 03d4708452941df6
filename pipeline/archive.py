"""Content-addressed raw store: every changed body, gzip-compressed, named by its sha256."""

from __future__ import annotations

import gzip
import hashlib
import os
from pathlib import Path


def sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def path_for(root: Path, digest: str) -> Path:
    return root / digest[:2] / f"{digest}.gz"


def put(root: Path, body: bytes) -> str:
    """Store `body` once; return its sha256. Written to a temp file and renamed, so a
    crash never leaves a truncated object under the final name."""
    digest = sha256(body)
    target = path_for(root, digest)
    if target.exists():
        return digest
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".tmp{os.getpid()}")
    tmp.write_bytes(gzip.compress(body, mtime=0))
    tmp.replace(target)
    return digest


def get(root: Path, digest: str) -> bytes:
    return gzip.decompress(path_for(root, digest).read_bytes())
