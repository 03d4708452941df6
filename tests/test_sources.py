"""`sources.yaml`: a valid file loads; every error names the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import ConfigError, PermanentError
from pipeline.sources import Source, load_sources

VALID = """\
sources:
  - id: alaska-jsonld
    url: https://example.org/live
    kind: jsonld
    timezone: Europe/Berlin
    language: de
  - id: replay_1
    url: http://127.0.0.1:8765/replay_1
    allow_private: true
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def source_yaml(**fields: str) -> str:
    item = {"id": "good", "url": "https://example.org/live", **fields}
    return "sources:\n  - " + "\n    ".join(f"{k}: {v}" for k, v in item.items()) + "\n"


def test_valid_file_loads(tmp_path: Path) -> None:
    sources = load_sources(write(tmp_path, VALID))
    assert sources == [
        Source("alaska-jsonld", "https://example.org/live", "jsonld", "Europe/Berlin", "de"),
        Source("replay_1", "http://127.0.0.1:8765/replay_1", allow_private=True),
    ]


def test_source_round_trips_through_a_dict() -> None:
    source = Source("a", "https://example.org/", timezone="UTC", allow_private=True)
    assert Source.from_dict(source.to_dict()) == source


def test_config_error_is_permanent() -> None:
    assert issubclass(ConfigError, PermanentError)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError, match="cannot read") as caught:
        load_sources(path)
    assert str(path) in str(caught.value)


def test_bad_yaml(tmp_path: Path) -> None:
    path = write(tmp_path, "sources:\n  - id: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML") as caught:
        load_sources(path)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize("text", ["", "sources: []\n", "sources: nope\n", "- id: a\n", "x: 1\n"])
def test_no_sources_list(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match="'sources:' list") as caught:
        load_sources(path)
    assert str(path) in str(caught.value)


def test_entry_that_is_not_a_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, "sources:\n  - just-a-string\n")
    with pytest.raises(ConfigError, match=r"sources\[0\]: expected a mapping"):
        load_sources(path)


@pytest.mark.parametrize(
    ("fields", "field", "detail"),
    [
        ({"id": "Bad Id"}, "sources[0].id", "'Bad Id' must match"),
        ({"id": "-leading-dash"}, "sources[0].id", "must match"),
        ({"id": "''"}, "sources[0].id", "'' must match"),
        ({"url": "ftp://example.org/x"}, "sources[0].url", "is not an http(s) URL"),
        ({"url": "example.org/live"}, "sources[0].url", "is not an http(s) URL"),
        ({"url": "https://"}, "sources[0].url", "is not an http(s) URL"),
        ({"kind": "rss"}, "sources[0].kind", "'rss' is not one of auto, jsonld"),
        ({"timezone": "Mars/Olympus"}, "sources[0].timezone", "unknown zone 'Mars/Olympus'"),
        ({"timezone": "../etc"}, "sources[0].timezone", "unknown zone"),
        ({"colour": "blue"}, "sources[0]", "unknown field(s) colour"),
    ],
)
def test_invalid_field_names_file_and_field(
    tmp_path: Path, fields: dict[str, str], field: str, detail: str
) -> None:
    path = write(tmp_path, source_yaml(**fields))
    with pytest.raises(ConfigError) as caught:
        load_sources(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: {field}")
    assert detail in message


def test_error_names_the_index_of_the_bad_entry(tmp_path: Path) -> None:
    path = write(tmp_path, VALID + "  - id: third\n    url: mailto:x@example.org\n")
    with pytest.raises(ConfigError, match=r"sources\[2\]\.url"):
        load_sources(path)


def test_duplicate_id(tmp_path: Path) -> None:
    path = write(tmp_path, VALID + "  - id: alaska-jsonld\n    url: https://example.org/2\n")
    with pytest.raises(ConfigError) as caught:
        load_sources(path)
    assert str(caught.value) == f"{path}: sources[2].id: duplicate id 'alaska-jsonld'"


def test_non_string_timezone_is_a_config_error(tmp_path: Path) -> None:
    path = write(tmp_path, source_yaml(timezone="5"))
    with pytest.raises(ConfigError, match=r"sources\[0\]\.timezone"):
        load_sources(path)


def test_quoted_false_does_not_allow_private_addresses(tmp_path: Path) -> None:
    path = write(tmp_path, source_yaml(allow_private='"false"'))
    try:
        sources = load_sources(path)
    except ConfigError as exc:
        assert "allow_private" in str(exc)
    else:
        assert sources[0].allow_private is False
