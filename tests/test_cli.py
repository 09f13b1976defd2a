"""`python -m archiver parse` on saved pages: URLs, skips with reasons, same records as the
library."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
from functools import partial
from importlib.metadata import version
from pathlib import Path

from conftest import FETCHED_AT, FIXTURES, ROOT, SITE

from archiver import parse_article
from archiver.extract.parse import ParseResult
from archiver.serialize import json_line
from archiver.tools import golden
from archiver.tools.offline import CHUNK, WINDOW, run_jobs

SITE_CASES = [
    c for c in golden.cases(FIXTURES) if c.kind == "article" and c.page.is_relative_to(SITE)
]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "archiver", *args],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_parse_directory_gives_the_library_records(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    proc = run_cli("parse", str(SITE), "-o", str(out), "--fetched-at", FETCHED_AT)
    assert proc.returncode == 0, proc.stderr
    lines = out.read_bytes().splitlines(keepends=True)
    articles = [c for c in SITE_CASES if c.expected]
    assert len(lines) == len(articles)
    by_url = {json.loads(line)["url"]: line for line in lines}
    for case in articles:
        # Fixture pages carry a canonical link, which the CLI takes as the page URL.
        expected = parse_article(
            golden.read_bytes(case.page), case.expected["canonical_url"], fetched_at=FETCHED_AT
        )
        assert by_url[case.expected["canonical_url"]] == json_line(expected)
    assert f"{len(articles)} articles written" in proc.stderr
    assert "about.html: not_article" in proc.stderr
    assert not (tmp_path / "out.jsonl.open").exists()


def test_url_from_base_url_or_file_path_and_gzip_input(tmp_path: Path) -> None:
    page = (SITE / "news" / "2024092701.html").read_text(encoding="utf-8")
    bare = page.replace(
        '<link rel="canonical" href="https://www.devnews-mirror.test/news/2024092701.html">', ""
    )
    (tmp_path / "in" / "a").mkdir(parents=True)
    (tmp_path / "in" / "a" / "x.html.gz").write_bytes(gzip.compress(bare.encode("utf-8")))
    (tmp_path / "in" / "y.htm").write_text(bare, encoding="utf-8")
    out = tmp_path / "o.jsonl"
    assert (
        run_cli(
            "parse", str(tmp_path / "in"), "-o", str(out), "--base-url", "https://s.test/root"
        ).returncode
        == 0
    )
    urls = sorted(json.loads(x)["url"] for x in out.read_text(encoding="utf-8").splitlines())
    assert urls == ["https://s.test/root/a/x.html", "https://s.test/root/y.htm"]
    assert run_cli("parse", str(tmp_path / "in" / "y.htm"), "-o", str(out)).returncode == 0
    assert (
        json.loads(out.read_text(encoding="utf-8"))["url"] == (tmp_path / "in" / "y.htm").as_uri()
    )


def test_bad_pages_are_skipped_with_a_reason(tmp_path: Path) -> None:
    (tmp_path / "empty.html").write_bytes(b"")
    (tmp_path / "bad.html.gz").write_bytes(b"not gzip at all")
    shutil.copy(SITE / "news" / "2024092701.html", tmp_path / "good.html")
    out = tmp_path / "o.jsonl"
    proc = run_cli("parse", str(tmp_path), "-o", str(out))
    assert proc.returncode == 0
    assert "empty.html: empty" in proc.stderr
    assert "bad.html.gz: unreadable" in proc.stderr
    assert len(out.read_bytes().splitlines()) == 1
    assert "parsed 3 pages: 1 articles written" in proc.stderr
    assert proc.stdout == ""


def test_a_fifo_is_skipped_and_a_symlink_is_its_target(tmp_path: Path) -> None:
    page = (SITE / "news" / "2024092701.html").read_text(encoding="utf-8")
    bare = page.replace(
        '<link rel="canonical" href="https://www.devnews-mirror.test/news/2024092701.html">', ""
    )
    target = tmp_path / "real" / "page.html"
    target.parent.mkdir()
    target.write_text(bare, encoding="utf-8")
    os.utime(target, (1_700_000_000, 1_700_000_000))
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "link.html").symlink_to(target)
    os.mkfifo(tmp_path / "in" / "pipe.html")  # opening it for reading would wait for a writer
    out = tmp_path / "o.jsonl"
    proc = run_cli("parse", str(tmp_path / "in"), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "pipe.html: unreadable: not a regular file" in proc.stderr
    (record,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    # The page's URL and default fetch time are those of the file the link points to.
    assert record["url"] == target.resolve().as_uri()
    assert record["fetched_at"] == "2023-11-14T22:13:20Z"


def test_bad_command_line_exits_2_without_traceback(tmp_path: Path) -> None:
    missing = run_cli("parse", str(tmp_path / "nope"), "-o", str(tmp_path / "o.jsonl"))
    assert missing.returncode == 2 and "no such file or directory" in missing.stderr
    assert "Traceback" not in missing.stderr
    bad_date = run_cli(
        "parse", str(SITE), "-o", str(tmp_path / "o.jsonl"), "--fetched-at", "yesterday"
    )
    assert bad_date.returncode == 2 and "Traceback" not in bad_date.stderr


def test_parse_output_is_the_same_for_any_number_of_workers(tmp_path: Path) -> None:
    outputs = []
    for jobs in ("1", "3"):
        out = tmp_path / f"jobs{jobs}.jsonl"
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "archiver",
                "parse",
                str(SITE),
                str(FIXTURES / "generic"),
                "-o",
                str(out),
                "--jobs",
                jobs,
                "--fetched-at",
                "2024-09-30T08:00:00Z",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        # The summary names the output file, which differs: the rest of stderr may not.
        outputs.append((out.read_bytes(), proc.stderr.replace(out.name, "OUT")))
    assert outputs[0][0].count(b"\n") >= 14
    assert outputs[0] == outputs[1]  # same lines in the same order, same skip messages


def test_worker_outcomes_come_back_in_input_order_past_many_windows() -> None:
    # More jobs than the workers hold at once (CHUNK x WINDOW x workers), so the window
    # refills many times; each job's outcome names it.
    jobs = [
        (f"page{i}", partial(ParseResult, None, f"reason{i}", "", False))
        for i in range(3 * CHUNK * WINDOW * 3 + 7)
    ]
    outcomes = list(run_jobs(iter(jobs), 3))
    assert [o.label for o in outcomes] == [label for label, _ in jobs]
    assert [o.key for o in outcomes] == [f"reason{i}" for i in range(len(jobs))]


def _kill_own_process() -> ParseResult:
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("unreachable")


def test_a_page_that_kills_its_worker_is_reported_and_no_other_is_lost() -> None:
    jobs = [
        (f"page{i}", partial(ParseResult, None, f"reason{i}", "", False)) for i in range(CHUNK * 5)
    ]
    jobs[CHUNK + 3] = ("killer", _kill_own_process)  # inside a chunk, with pages after it
    outcomes = list(run_jobs(iter(jobs), 2))
    assert [o.label for o in outcomes] == [label for label, _ in jobs]
    killed = outcomes[CHUNK + 3]
    assert killed.key == "failed:worker_died" and "signal 9" in str(killed.message)
    assert [o.key for i, o in enumerate(outcomes) if i != CHUNK + 3] == [
        f"reason{i}" for i in range(len(jobs)) if i != CHUNK + 3
    ]


def test_version_is_the_installed_one() -> None:
    proc = run_cli("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"archiver {version('archiver')}"
