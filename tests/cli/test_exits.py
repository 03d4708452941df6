"""Issue 20: every failure of `tickerlake` is one line per problem on stderr and a
documented exit code (README "Exit codes"), never a traceback. Each case runs the
installed program as a subprocess, the way a user or cron would."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import pipeline
from pipeline.cli import exits
from pipeline.demo.replay import ReplayServer, snapshot_name
from pipeline.warehouse import connect, publish_reader
from tests.cli.test_cli import T0

PROGRAM = Path(sys.executable).with_name("tickerlake")
PAGE = (
    '<html lang="de"><body><h2>Donnerstag, 14. August 2025</h2>'
    "<h2>21.15 Uhr: Eins</h2><p>Text eins.</p></body></html>"
)


def tickerlake(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None, cwd: Path
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(PROGRAM), *args],
        env={"PATH": os.environ["PATH"], "HOME": str(cwd), **(env or {})},
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in done.stderr
    return done


def one_error(done: subprocess.CompletedProcess[str], code: int, text: str) -> None:
    assert done.returncode == code, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("tickerlake: "), done.stderr
    assert text in lines[0]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[ReplayServer]:
    folder = tmp_path / "replay" / "alpha"
    folder.mkdir(parents=True)
    (folder / snapshot_name(T0, "html")).write_text(PAGE, encoding="utf-8")
    with ReplayServer(tmp_path / "replay") as server:
        yield server


def sources_file(tmp_path: Path, *entries: tuple[str, str]) -> Path:
    path = tmp_path / "sources.yaml"
    lines = ["sources:"]
    for source_id, url in entries:
        lines += [f"  - id: {source_id}", f"    url: {url}", "    allow_private: true"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_help_and_version_work_whatever_the_environment(tmp_path: Path) -> None:
    bad = {"TICKERLAKE_BACKEND": "duckake", "TICKERLAKE_MAX_ATTEMPTS": "abc"}
    done = tickerlake("--help", env=bad, cwd=tmp_path)
    assert done.returncode == 0 and "usage: tickerlake" in done.stdout
    done = tickerlake("--version", env=bad, cwd=tmp_path)
    assert (done.returncode, done.stdout) == (0, f"tickerlake {pipeline.__version__}\n")


@pytest.mark.parametrize(
    ("env", "text"),
    [
        ({"TICKERLAKE_BACKEND": "duckake"}, "TICKERLAKE_BACKEND='duckake': expected duckdb"),
        ({"TICKERLAKE_BACKEND": "ducklake"}, "needs TICKERLAKE_DUCKLAKE_CATALOG"),
        ({"TICKERLAKE_MAX_ATTEMPTS": "abc"}, "TICKERLAKE_MAX_ATTEMPTS='abc' is not a number"),
        ({"TICKERLAKE_FETCH_DEADLINE": "nan"}, "TICKERLAKE_FETCH_DEADLINE='nan' must be a finite"),
        ({"TICKERLAKE_FETCH_WORKERS": "2.5"}, "TICKERLAKE_FETCH_WORKERS='2.5' is not a whole"),
        ({"TICKERLAKE_FAIL_ABOVE": "2"}, "TICKERLAKE_FAIL_ABOVE=2.0 must be between 0 and 1"),
    ],
)
def test_a_bad_setting_names_its_variable(tmp_path: Path, env: dict[str, str], text: str) -> None:
    sources = sources_file(tmp_path, ("a", "https://example.org/"))
    one_error(tickerlake("run", "--sources", str(sources), env=env, cwd=tmp_path), 2, text)


def test_global_options_also_after_the_verb(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    with connect(warehouse) as con:
        publish_reader(con, warehouse)
    done = tickerlake("sql", "--warehouse", str(warehouse), "SELECT 42 AS n", cwd=tmp_path)
    assert done.returncode == 0 and "42" in done.stdout
    done = tickerlake("sql", "--warehouse", str(tmp_path / "none.duckdb"), "SELECT 1", cwd=tmp_path)
    one_error(done, 2, "no warehouse here yet")


def test_run_without_sources_says_how_to_give_them(tmp_path: Path) -> None:
    one_error(tickerlake("run", cwd=tmp_path), 2, "no sources: pass --sources FILE")
    assert not (tmp_path / "warehouse").exists()


def test_run_uses_tickerlake_sources(tmp_path: Path, served: ReplayServer) -> None:
    sources = sources_file(tmp_path, ("alpha", served.source_url("alpha")))
    done = tickerlake("run", env={"TICKERLAKE_SOURCES": str(sources)}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    with connect(tmp_path / "warehouse" / "tickerlake.duckdb", read_only=True) as con:
        assert con.execute("SELECT source_id FROM sources").fetchall() == [("alpha",)]


def test_the_demo_never_runs_into_a_warehouse_of_other_sources(
    tmp_path: Path, served: ReplayServer
) -> None:
    sources = sources_file(tmp_path, ("alpha", served.source_url("alpha")))
    assert tickerlake("run", "--sources", str(sources), cwd=tmp_path).returncode == 0
    one_error(tickerlake("run", "--demo", cwd=tmp_path), 2, "holds sources other than")
    one_error(tickerlake("demo", cwd=tmp_path), 2, "holds sources other than")
    with connect(tmp_path / "warehouse" / "tickerlake.duckdb", read_only=True) as con:
        assert con.execute("SELECT count(*) FROM sources").fetchone() == (1,)


def test_failed_sources_are_named_and_exit_1(tmp_path: Path, served: ReplayServer) -> None:
    refused = socket.socket()
    refused.bind(("127.0.0.1", 0))  # bound, not listening: connections are refused
    port = refused.getsockname()[1]
    sources = sources_file(
        tmp_path,
        ("alpha", served.source_url("alpha")),
        ("gone", f"{served.url}/missing/page"),
        ("closed", f"http://127.0.0.1:{port}/x"),
    )
    (tmp_path / "sources.yaml").write_text(
        (tmp_path / "sources.yaml").read_text() + "  - id: guarded\n    url: http://127.0.0.1/\n"
    )
    env = {"TICKERLAKE_MAX_ATTEMPTS": "1"}
    done = tickerlake("run", "--sources", str(sources), env=env, cwd=tmp_path)
    refused.close()
    assert done.returncode == exits.PARTIAL, done.stderr
    failed = [line for line in done.stderr.splitlines() if "source failed" in line]
    assert len(failed) == 3
    assert any("UnsafeUrlError: source 'guarded'" in line for line in failed)
    assert any("ClientHttpError: source 'gone'" in line for line in failed)
    assert any("FetchConnectionError: source 'closed'" in line for line in failed)
    assert done.stderr.splitlines()[-1].startswith("tickerlake: 3 of 4 sources failed")
    assert '"failed_sources": 3' in done.stdout
    with connect(tmp_path / "warehouse" / "tickerlake.duckdb", read_only=True) as con:
        assert con.execute("SELECT count(DISTINCT source_id) FROM fetches").fetchone() == (4,)

    tolerated = tickerlake(
        "run", "--sources", str(sources), "--fail-above", "0.8", env=env, cwd=tmp_path
    )
    assert tolerated.returncode == 0, tolerated.stderr
    assert "source failed" in tolerated.stderr


def test_a_warehouse_that_cannot_be_written_fails_before_fetching(
    tmp_path: Path, served: ReplayServer
) -> None:
    sources = sources_file(tmp_path, ("alpha", served.source_url("alpha")))
    warehouse = tmp_path / "w.duckdb"
    warehouse.write_text("not a warehouse")
    done = tickerlake("--warehouse", str(warehouse), "run", "--sources", str(sources), cwd=tmp_path)
    one_error(done, 2, "cannot open for writing")
    assert served.request_log() == []
    assert not (tmp_path / "var" / "staging").exists()


def test_a_locked_warehouse_is_waited_for(tmp_path: Path, served: ReplayServer) -> None:
    sources = sources_file(tmp_path, ("alpha", served.source_url("alpha")))
    warehouse = tmp_path / "w.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(warehouse), "3"], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    args = ("--warehouse", str(warehouse), "run", "--sources", str(sources))
    one_error(tickerlake(*args, cwd=tmp_path), exits.TEMPORARY, "another process is writing")
    done = tickerlake(*args, "--wait", "30", cwd=tmp_path)
    holder.wait(timeout=30)
    assert done.returncode == 0, done.stderr
    assert '"entry_rows": 1' in done.stdout


HOLD = """
import sys, time
from pathlib import Path
from pipeline.warehouse import connect
con = connect(Path(sys.argv[1]))
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupt_cancels_stalled_fetches_and_loads_nothing(
    tmp_path: Path, signum: signal.Signals
) -> None:
    stalled = socket.socket()
    stalled.bind(("127.0.0.1", 0))
    stalled.listen(8)  # accepts, never answers: a fetch waits for its read timeout
    sources = sources_file(tmp_path, ("stalled", f"http://127.0.0.1:{stalled.getsockname()[1]}/"))
    warehouse = tmp_path / "w.duckdb"
    child = subprocess.Popen(
        [str(PROGRAM), "--warehouse", str(warehouse), "run", "--sources", str(sources)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stalled.settimeout(60)
    connection, _ = stalled.accept()  # the fetch is under way
    started = time.monotonic()
    child.send_signal(signum)
    out, err = child.communicate(timeout=10)
    elapsed = time.monotonic() - started
    connection.close()
    stalled.close()
    assert child.returncode == 128 + signum
    assert elapsed < 2
    assert (out, err) == ("", "tickerlake: interrupted; nothing loaded\n")
    with connect(warehouse, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM loads").fetchone() == (0,)
    assert list((tmp_path / "var" / "staging").glob("*")) == []


@pytest.fixture
def demo_warehouse(tmp_path: Path) -> Path:
    warehouse = tmp_path / "w.duckdb"
    with connect(warehouse) as con:
        con.execute("CREATE TABLE numbers AS SELECT range AS n FROM range(200000)")
        publish_reader(con, warehouse)
    return warehouse


def piped_to_head(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    shell = " ".join(f"'{c}'" for c in command) + " | head -1"
    return subprocess.run(
        ["bash", "-o", "pipefail", "-c", shell],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_closed_pipe_is_a_silent_exit(tmp_path: Path, demo_warehouse: Path) -> None:
    query = "SELECT n FROM numbers"
    done = piped_to_head([str(PROGRAM), "--warehouse", str(demo_warehouse), "sql", query], tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (exits.BROKEN_PIPE, "n\n", "")


def test_parse_into_a_closed_pipe_is_silent(tmp_path: Path) -> None:
    page = tmp_path / "ticker.txt"
    blocks = "".join(
        f"14.08.2025 21:{m % 60:02d} Uhr\n\nMeldung {m}\n\nText.\n\n" for m in range(3000)
    )
    page.write_text("Titel\n\n" + blocks, encoding="utf-8")
    done = piped_to_head([str(PROGRAM), "parse", str(page), "--tz", "Europe/Berlin"], tmp_path)
    assert done.returncode == exits.BROKEN_PIPE
    assert done.stdout.startswith("{") and "Traceback" not in done.stderr


def test_parse_writes_json_lines_into_a_pipe(tmp_path: Path) -> None:
    page = tmp_path / "ticker.txt"
    page.write_text("Titel\n\n14.08.2025 21:15 Uhr\n\nEins\n\nText.\n", encoding="utf-8")
    done = tickerlake("parse", str(page), "--tz", "Europe/Berlin", cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.startswith('{"entry_id"')


def test_sql_prints_every_statement_of_a_string(tmp_path: Path, demo_warehouse: Path) -> None:
    done = tickerlake(
        "--warehouse", str(demo_warehouse), "sql", "SELECT 1 AS a; SELECT 2 AS b", cwd=tmp_path
    )
    assert done.returncode == 0
    assert done.stdout == "a\n-\n1\n(1 row)\nb\n-\n2\n(1 row)\n"


def test_a_failed_statement_of_a_script_exits_1(tmp_path: Path, demo_warehouse: Path) -> None:
    script = "SELECT 1 AS a;\nSELEC 2;\nSELECT 3 AS c;\n"
    args = ("--warehouse", str(demo_warehouse), "sql", "--format", "csv")
    done = tickerlake(*args, stdin=script, cwd=tmp_path)
    assert (done.returncode, done.stdout) == (exits.PARTIAL, "a\n1\nc\n3\n")
    assert done.stderr.startswith("error: line 2: query failed: Parser Error")
    bailed = tickerlake(*args, "--bail", stdin=script, cwd=tmp_path)
    assert (bailed.returncode, bailed.stdout) == (exits.PARTIAL, "a\n1\n")


def test_report_into_a_missing_folder(tmp_path: Path, demo_warehouse: Path) -> None:
    done = tickerlake(
        "--warehouse", str(demo_warehouse), "report", "--out", "missing/dir/r.html", cwd=tmp_path
    )
    one_error(done, 2, "missing/dir/r.html: No such file or directory")


def test_malformed_sources_yaml_is_file_line_column(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n  - id: a\n    url: [x\n  - id: b\n", encoding="utf-8")
    one_error(tickerlake("run", "--sources", str(path), cwd=tmp_path), 2, f"{path}:4:7: not valid")


def test_every_problem_of_a_sources_file_at_once(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n  - id: A\n    url: x\n    language: Deutsch\n", encoding="utf-8")
    done = tickerlake("run", "--sources", str(path), cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert [line.split(": ")[3] for line in lines] == [
        "sources[0].id",
        "sources[0].url",
        "sources[0].language",
    ]


def test_a_ducklake_server_that_does_not_answer(tmp_path: Path) -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    env = {
        "TICKERLAKE_BACKEND": "ducklake",
        "TICKERLAKE_DUCKLAKE_CATALOG": f"host=127.0.0.1 port={closed.getsockname()[1]} "
        "dbname=x user=x connect_timeout=2",
        "TICKERLAKE_DUCKLAKE_DATA": str(tmp_path / "lake"),
    }
    sources = sources_file(tmp_path, ("a", "https://example.org/"))
    done = tickerlake("run", "--sources", str(sources), env=env, cwd=tmp_path)
    closed.close()
    one_error(done, exits.TEMPORARY, "the catalog server does not answer (Connection refused)")
