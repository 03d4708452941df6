"""`tickerlake report`: a self-contained page whose text is escaped, rendered by headless
Chromium with its plots drawn."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from dev.docs_queries import build_demo_warehouse
from pipeline.cli.main import main
from pipeline.cli.report import PALETTE, render_report
from pipeline.warehouse import connect
from tests.support.browser import chromium
from tests.support.pngdecode import pixels

GENERATED_AT = datetime(2025, 8, 15, 6, 0, tzinfo=UTC)
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
)  # fmt: skip


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The live file of a demo warehouse (its reader snapshot beside it)."""
    snapshot = build_demo_warehouse(tmp_path_factory.mktemp("demo"))
    return snapshot.with_name("tickerlake.duckdb")


@pytest.fixture(scope="module")
def page(demo: Path) -> str:
    with connect(demo, read_only=True) as con:
        return render_report(con, generated_at=GENERATED_AT)


@pytest.fixture(scope="module")
def report_file(page: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


def test_every_section_is_there(page: str) -> None:
    for heading in (
        "Entries per source over time",
        "Edits and withdrawals over time",
        "The largest stories across outlets",
        "Ticker entries beside the reference articles",
        "Source health",
    ):
        assert f"<h2>{heading}</h2>" in page
    assert page.count('<svg class="plot"') == 3 + 1 + 1 + 1  # a timeline per source


def test_page_needs_no_network_and_no_script(page: str) -> None:
    assert "<script" not in page.lower()
    assert not re.search(r"\b(src|href)=", page)
    assert set(re.findall(r"https?://[^\s\"'<]+", page)) == {"http://www.w3.org/2000/svg"}


def test_entries_show_their_aligned_articles(page: str) -> None:
    # 5 of the seed ticker's entries are linked (tests/enrich/test_align.py), in each of 3 outlets.
    assert "15 of 49 entries shown are reported by a reference article" in page
    assert "seed:003_6d511c99f0adbf65.txt" in page


def test_text_from_the_warehouse_is_escaped(demo: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(demo, copy)
    with connect(copy) as con:
        con.execute(
            """UPDATE entries SET headline = '<script>alert(1)</script>',
                                  body = 'a <img src=x onerror=alert(2)> & b'
               WHERE source_id = 'alaska-jsonld' AND position = 0"""
        )
        text = render_report(con, generated_at=GENERATED_AT)
    assert "<script" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "a &lt;img src=x onerror=alert(2)&gt; &amp; b" in text


def test_an_empty_warehouse_renders(warehouse: duckdb.DuckDBPyConnection) -> None:
    text = render_report(warehouse, generated_at=GENERATED_AT)
    assert "No timed entries yet." in text
    assert "No sources yet." in text


def test_cli_writes_the_file(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.html"
    assert main(["--warehouse", str(demo), "report", "--out", str(out)]) == 0
    assert capsys.readouterr().out.startswith(f"wrote {out} (")
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def run_chromium(*args: str, cwd: Path) -> str:
    done = subprocess.run(
        [chromium(), *CHROMIUM_FLAGS, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={**os.environ, "HOME": str(cwd)},  # its profile stays in the test's folder
    )
    return done.stdout


@pytest.mark.integration
def test_chromium_renders_the_plots(report_file: Path, tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    run_chromium(
        f"--screenshot={shot}", "--window-size=1200,2000", report_file.as_uri(), cwd=tmp_path
    )
    width, height, rgb = pixels(shot.read_bytes())
    assert (width, height) == (1200, 2000)
    assert len(set(rgb)) > 50, "the screenshot is blank"
    colours = {tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in PALETTE[:3]}
    drawn = sum(1 for p in rgb if p in colours)
    assert drawn > 20_000, "the plots' bars did not draw"


@pytest.mark.integration
def test_chromium_dom_holds_the_plots(report_file: Path, tmp_path: Path) -> None:
    dom = run_chromium("--dump-dom", report_file.as_uri(), cwd=tmp_path)
    assert dom.count('<svg class="plot"') == 6
    sizes = re.findall(r'<rect class="bar"[^>]* width="([\d.]+)" height="([\d.]+)"', dom)
    assert len(sizes) > 30
    assert all(float(w) > 0 and float(h) > 0 for w, h in sizes)
