"""Security checks: page markup never reaches our output as markup, no secrets are in
the repository, and docker compose takes every credential from `.env`.
(The private-address guard is tested in tests/fetch/test_fetch.py.)"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline import cycle, stage
from pipeline.cli.main import main
from pipeline.cli.output import FORMATS
from pipeline.parse import parse_page
from pipeline.settings import PROJECT_ROOT
from pipeline.sources import Source
from pipeline.warehouse import backend
from tests.support.settings import on_file
from tests.test_bad_input import FETCHED_AT, URL

HOSTILE = (
    "<h2>Donnerstag, 14. August 2025</h2>"
    "<h2>19.15 Uhr: Eins <img src=x onerror=alert(1)></h2>"
    "<p>Text <script>alert('x')</script>eins. <a href=\"javascript:alert(2)\">Link</a>"
    "<style>p{}</style> Als Text: &lt;script&gt;alert(3)&lt;/script&gt;</p>"
)
MARKUP = re.compile(r"<\s*(script|img|a|style|iframe)\b|onerror|javascript:", re.IGNORECASE)


def test_parsed_entries_hold_text_never_markup() -> None:
    page = parse_page(HOSTILE.encode(), URL, fetched_at=FETCHED_AT, tz="Europe/Berlin")
    (entry,) = page.entries
    assert entry.headline == "Eins"
    # The page's own markup is gone; its escaped text stays text (shown as written).
    assert entry.body == "Text eins. Link Als Text: <script>alert(3)</script>"
    assert MARKUP.findall(entry.body.replace("<script>alert(3)</script>", "")) == []


def test_output_formats_are_plain_text_formats() -> None:
    # No output is HTML; adding an HTML format must come with escaping (and this test).
    assert set(FORMATS) == {"table", "csv", "json"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_sql_output_carries_markup_as_inert_text(
    fmt: str, warehouse_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = parse_page(HOSTILE.encode(), URL, fetched_at=FETCHED_AT, tz="Europe/Berlin")
    batch = stage.Batch("hostile")
    source = Source("alpha", URL)
    batch.add("sources", source.to_dict())
    result: Any = type("R", (), {"fetched_at": FETCHED_AT, "sha256": "0" * 64})()
    cycle.stage_page(batch, source, result, page)
    path = stage.write_batch(tmp_path / "staging", batch)
    backend.load(on_file(warehouse_path), [path], load_id="l", now=FETCHED_AT)
    capsys.readouterr()
    query = "SELECT body FROM entries"
    assert main(["--warehouse", str(warehouse_path), "sql", query, "--format", fmt]) == 0
    out = capsys.readouterr().out
    if fmt == "json":
        assert json.loads(out) == [{"body": page.entries[0].body}]
    assert "onerror" not in out and "javascript:" not in out
    assert out.count("<script>") == 1  # only the text the page showed as text


# --- secrets ------------------------------------------------------------------------------

SECRET_PATTERNS = {
    "private key": re.compile(r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----"),
    "AWS access key": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "AWS secret key": re.compile(r"aws_secret_access_key\s*[=:]\s*[A-Za-z0-9/+]{40}", re.I),
    "password": re.compile(r"\b\w*(?:password|passwd|secret|token)\w*\s*[=:]\s*(\S+)", re.I),
}
# Values that are not secrets: placeholders, variable references, code.
PLACEHOLDER = re.compile(
    r"""^["']?(change-me[\w-]*|\$\{\w+\}|\{\w+\}|\$\w+|<[\w-]+>|x+|\*+|"|'|)["',]*$|^[\w.]+\(|^_ALLOW|^re\.|^(?:str|bytes)[,)]*$""",
    re.I,
)
BINARY_SUFFIXES = {".gz", ".png", ".parquet", ".duckdb", ".ico", ".lock"}


def tracked_files() -> list[Path]:
    out = subprocess.run(
        ["git", "ls-files", "-z"], cwd=PROJECT_ROOT, capture_output=True, check=True
    ).stdout
    return [PROJECT_ROOT / p for p in out.decode().split("\0") if p]


def secrets_in(text: str) -> list[str]:
    found = []
    for name, pattern in SECRET_PATTERNS.items():
        for match in pattern.finditer(text):
            value = match.group(1) if match.groups() else match.group(0)
            if name != "password" or not PLACEHOLDER.match(value):
                found.append(f"{name}: {match.group(0)[:60]}")
    return found


def test_secret_scanner_finds_secrets_and_allows_placeholders() -> None:
    fake_key = "AKIA" + "ABCDEFGHIJKLMNOP"
    assert secrets_in(f"key = {fake_key}") != []
    assert secrets_in("POSTGRES_PASSWORD=hunter2") != []
    assert secrets_in("-----BEGIN RSA " + "PRIVATE KEY-----") != []
    assert secrets_in("POSTGRES_PASSWORD=change-me\npassword: ${POSTGRES_PASSWORD}") == []
    assert secrets_in("def login(user: str, password: str) -> None:") == []


def test_no_secrets_in_tracked_files() -> None:
    if not (PROJECT_ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    found = {
        str(path.relative_to(PROJECT_ROOT)): hits
        for path in tracked_files()
        if path.suffix not in BINARY_SUFFIXES
        and path.is_file()
        and (hits := secrets_in(path.read_text(encoding="utf-8", errors="replace")))
        and path.name != "test_security.py"
    }
    assert found == {}


def test_env_file_is_never_committed() -> None:
    if not (PROJECT_ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    ignored = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=PROJECT_ROOT, check=False)
    assert ignored.returncode == 0
    assert PROJECT_ROOT / ".env" not in tracked_files()


# --- compose --------------------------------------------------------------------------------

CREDENTIAL = re.compile(r"PASSWORD|SECRET|TOKEN|_KEY\b|CONN|BACKEND", re.I)
USERINFO = re.compile(r"://([^@/\s]*)@")


def compose_environment() -> dict[str, str]:
    data: dict[str, Any] = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
    found: dict[str, str] = {}
    for name, service in data["services"].items():
        env = service.get("environment") or {}
        items = env.items() if isinstance(env, dict) else (e.partition("=")[::2] for e in env)
        found.update({f"{name}.{k}": str(v) for k, v in items})
    return found


def test_compose_credentials_come_only_from_env() -> None:
    environment = compose_environment()
    assert environment, "no environment found in docker-compose.yml"
    for key, value in environment.items():
        if CREDENTIAL.search(key.partition(".")[2]):
            literal = re.sub(r"\$\{\w+(:-[^}]*)?\}", "", value)
            userinfo = USERINFO.search(value)
            assert userinfo is None or re.fullmatch(r"\$\{\w+\}:\$\{\w+\}", userinfo.group(1)), key
            assert not re.search(r"(?i)password=\w", literal), key


def test_every_compose_service_reads_env_for_its_secrets() -> None:
    text = (PROJECT_ROOT / "docker-compose.yml").read_text()
    variables = set(re.findall(r"\$\{(\w+)", text))
    example = (PROJECT_ROOT / ".env.example").read_text()
    declared = set(re.findall(r"^(\w+)=", example, re.M))
    secret_vars = {v for v in variables if CREDENTIAL.search(v)}
    assert secret_vars <= declared  # every credential compose uses is documented in .env.example
    assert "env_file: .env" in text
