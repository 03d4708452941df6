"""Watch-mode decisions: which specs, what to ask, what counts as a change."""

from __future__ import annotations

import pytest

from pipeline.errors import ConfigError, UnsafeUrlError
from pipeline.fetch import archive
from pipeline.fetch.watch import check_public, has_changed, request_headers, watch_specs
from pipeline.models import SourceState, Validators
from pipeline.sources import Source

SOURCES = [Source("a", "http://127.0.0.1/a", allow_private=True), Source("b", "http://10.0.0.1/")]
STATE = {"a": SourceState(Validators('"v1"', None, archive.sha256(b"old")))}


def test_specs_carry_the_warehouse_validators() -> None:
    (spec,) = watch_specs(SOURCES, STATE, ["a"])
    assert spec["validators"] == {
        "etag": '"v1"',
        "last_modified": None,
        "sha256": STATE["a"].validators.sha256,
        "render_mode": None,
        "render_checked_at": None,
        "render_sha256": None,
    }
    assert request_headers(spec, "ua") == {"User-Agent": "ua", "If-None-Match": '"v1"'}


def test_unknown_watched_source_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="nope"):
        watch_specs(SOURCES, STATE, ["nope"])


def test_only_a_new_body_is_a_change() -> None:
    (spec,) = watch_specs(SOURCES, STATE, ["a"])
    assert has_changed(200, b"new", spec)
    assert not has_changed(200, b"old", spec)  # a server that ignores validators
    assert not has_changed(304, None, spec)
    assert not has_changed(503, b"error page", spec)


def test_private_addresses_need_allow_private() -> None:
    a, b = watch_specs(SOURCES, {}, ["a", "b"])
    check_public(a)
    with pytest.raises(UnsafeUrlError):
        check_public(b)
