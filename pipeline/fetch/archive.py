"""Content-addressed raw store: every changed body, gzip-compressed, named by its sha256,
with a small JSON sidecar holding the Content-Type it came with (the parser needs it to
read the charset and tell text from HTML when the page is re-parsed).

Retention (`prune`, run by `tickerlake maintain`) deletes bodies written before a cutoff
that no fetch since then brought; by default nothing is ever deleted.

The root is a local folder or any fsspec URL (``memory://``, ``file://``,
``s3://bucket/prefix`` with s3fs installed), so the archive can live on object storage
without the fetchers knowing."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import posixpath
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import fsspec
from fsspec.implementations.local import LocalFileSystem

from pipeline.errors import ArchiveError

Root = str | Path


def sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _filesystem(root: str) -> tuple[fsspec.AbstractFileSystem, str]:
    # Not cached here: a relative folder must follow the working directory, and fsspec
    # already reuses filesystem instances.
    fs, path = fsspec.core.url_to_fs(root)
    return fs, str(path).rstrip("/")


def _locate(root: Root, name: str) -> tuple[fsspec.AbstractFileSystem, str]:
    fs, base = _filesystem(str(root))
    return fs, f"{base}/{name[:2]}/{name}"


def object_path(root: Root, digest: str) -> str:
    """Where the body is stored, as a path of the root's filesystem."""
    return _locate(root, f"{digest}.gz")[1]


def put(
    root: Root, body: bytes, content_type: str | None = None, *, rendered_from: str | None = None
) -> str:
    """Store `body` once; return its sha256. A crash never leaves a truncated object
    under the final name; writing the same body twice is harmless (same name, same
    bytes). A rendered DOM (pipeline.fetch.render) names the shell it was rendered
    from in its sidecar, so both stay side by side in the archive."""
    digest = sha256(body)
    fs, target = _locate(root, f"{digest}.gz")
    if not fs.exists(target):
        _write(fs, target, gzip.compress(body, mtime=0))
    fs, meta = _locate(root, f"{digest}.json")
    facts = {"content_type": content_type, "rendered_from": rendered_from}
    facts = {k: v for k, v in facts.items() if v is not None}
    if facts and not fs.exists(meta):
        _write(fs, meta, json.dumps(facts).encode())
    return digest


def rendered_from(root: Root, digest: str) -> str | None:
    """The sha256 of the shell a rendered DOM came from; None for a fetched body."""
    fs, meta = _locate(root, f"{digest}.json")
    if not fs.exists(meta):
        return None
    value = json.loads(fs.cat_file(meta)).get("rendered_from")
    return str(value) if value is not None else None


def _write(fs: fsspec.AbstractFileSystem, target: str, data: bytes) -> None:
    try:
        _write_object(fs, target, data)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ArchiveError(f"raw archive: cannot write {target}: {reason}") from exc


def _write_object(fs: fsspec.AbstractFileSystem, target: str, data: bytes) -> None:
    """Object stores publish a PUT whole, so it is written in place; a local folder gets
    a temp file renamed over the final name (rename is atomic on one filesystem)."""
    if not isinstance(fs, LocalFileSystem):
        fs.pipe_file(target, data)
        return
    fs.makedirs(posixpath.dirname(target), exist_ok=True)
    # pid and thread: shards in other processes or threads may write the same object.
    tmp = f"{target}.tmp{os.getpid()}-{threading.get_ident()}"
    fs.pipe_file(tmp, data)
    fs.mv(tmp, target)


def get(root: Root, digest: str) -> bytes:
    """The body; FileNotFoundError when the archive does not hold it."""
    fs, path = _locate(root, f"{digest}.gz")
    return gzip.decompress(fs.cat_file(path))


def content_type(root: Root, digest: str) -> str | None:
    """The Content-Type the body was first fetched with, if it was recorded."""
    fs, meta = _locate(root, f"{digest}.json")
    if not fs.exists(meta):
        return None
    value = json.loads(fs.cat_file(meta)).get("content_type")
    return str(value) if value is not None else None


@dataclass(frozen=True, slots=True)
class Pruned:
    """What `prune` deleted: bodies (each with its sidecar) and the bytes they held."""

    bodies: int = 0
    bytes: int = 0


def prune(root: Root, *, keep: set[str], before: datetime) -> Pruned:
    """Delete every body (and its Content-Type sidecar) written before `before` whose
    sha256 is not in `keep`. An object is written once, when its body is first fetched,
    so its file time is when that was; `keep` names the bodies still wanted though old
    (fetched again since the cutoff, or a source's current page)."""
    fs, base = _filesystem(str(root))
    if not fs.exists(base):
        return Pruned()
    cutoff = before.timestamp()
    bodies = size = 0
    for path, info in fs.find(base, detail=True).items():
        name = posixpath.basename(path)
        digest, _, suffix = name.partition(".")
        if suffix not in {"gz", "json"} or digest in keep or _written(info) >= cutoff:
            continue
        fs.rm_file(path)
        bodies, size = bodies + (suffix == "gz"), size + int(info.get("size") or 0)
    return Pruned(bodies, size)


def _written(info: dict[str, Any]) -> float:
    """An object's write time, as seconds since the epoch, from fsspec's listing: local
    and memory filesystems give numbers, object stores a datetime."""
    for key in ("mtime", "LastModified", "last_modified", "created"):
        value = info.get(key)
        if isinstance(value, datetime):
            return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
        if isinstance(value, int | float):
            return float(value)
    return float("inf")  # no time known: never deleted
