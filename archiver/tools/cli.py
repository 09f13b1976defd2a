"""`python -m archiver …`: offline parsing, schema and fixture maintenance."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from importlib.metadata import version
from pathlib import Path

from archiver.archive.schema import SCHEMA_PATH, schema_text
from archiver.extract.profiles import ProfileError, builtin_profiles
from archiver.parsepool import PARSE_TIMEOUT, default_workers
from archiver.tools import golden
from archiver.tools.offline import (
    PAGE_SUFFIXES,
    WARC_SUFFIXES,
    iter_jobs,
    iter_pages,
    run_jobs,
)
from archiver.tools.progress import ProgressBar, progress_bar

logger = logging.getLogger("archiver")


def cmd_parse(args: argparse.Namespace) -> int:
    missing = [raw for raw in args.inputs if not Path(raw).exists()]
    if missing:
        print(f"archiver: error: no such file or directory: {', '.join(missing)}", file=sys.stderr)
        return 2
    if next(iter_pages(args.inputs), None) is None:
        print(
            f"archiver: error: no pages to parse in {', '.join(args.inputs)} "
            f"(looked for {', '.join(PAGE_SUFFIXES + WARC_SUFFIXES)})",
            file=sys.stderr,
        )
        return 2
    try:
        builtin_profiles()
    except ProfileError as exc:  # else every page would fail on it, one by one
        print(f"archiver: error: site profile {' '.join(str(exc).splitlines())}", file=sys.stderr)
        return 2
    out = Path(args.output)
    tmp = out.with_name(out.name + ".open")
    counts: Counter[str] = Counter()
    written = 0
    workers = args.jobs if args.jobs is not None else default_workers()
    with open(tmp, "wb") as fh, progress_bar() as bar:
        for outcome in run_jobs(
            iter_jobs(args.inputs, args.base_url, args.fetched_at), workers, args.timeout
        ):
            _tick(bar, counts, written)
            counts["pages"] += 1
            if outcome.line is None:
                counts[str(outcome.key)] += 1
                bar.say(f"skipped {outcome.label}: {outcome.message}")
            else:
                fh.write(outcome.line)
                written += 1
        _tick(bar, counts, written)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, out)
    skipped = ", ".join(f"{k}={v}" for k, v in sorted(counts.items()) if k != "pages") or "none"
    # On stderr, beside the skip reasons: stdout is left to the records (`-o /dev/stdout`).
    print(
        f"parsed {counts['pages']} pages: {written} articles written to {out}; skipped: {skipped}",
        file=sys.stderr,
    )
    return 0


def _tick(bar: ProgressBar, counts: Counter[str], written: int) -> None:
    failed = sum(v for k, v in counts.items() if k.startswith("failed:"))
    bar.update(
        counts["pages"], written=written, failed=failed, skipped=counts["pages"] - written - failed
    )


def _archive_dir(raw: str) -> Path | None:
    """The ARCHIVE_DIR argument, or None after saying why it is not one (exit status 2)."""
    directory = Path(raw)
    if not directory.is_dir():
        print(f"archiver: error: not a directory: {raw}", file=sys.stderr)
        return None
    return directory


def cmd_export(args: argparse.Namespace) -> int:
    directory = _archive_dir(args.archive)
    if directory is None:
        return 2
    try:
        from archiver.tools.export import ExportError, export_parquet

        count = export_parquet(directory, Path(args.parquet))
    except ImportError as exc:
        print(
            f"archiver: error: export needs pyarrow ({exc}): pip install -e '.[export]'",
            file=sys.stderr,
        )
        return 1
    except (ExportError, OSError) as exc:
        print(f"archiver: error: export failed: {exc}", file=sys.stderr)
        return 1
    print(f"exported {count} records from {directory} to {args.parquet}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from archiver.tools.report import write_report

    directory = _archive_dir(args.archive)
    if directory is None:
        return 2
    try:
        data = write_report(directory, Path(args.output))
    except OSError as exc:
        print(f"archiver: error: report failed: {exc}", file=sys.stderr)
        return 1
    for flag in data.drift:
        print(f"warning: {flag.message()}", file=sys.stderr)
    if data.unreadable.count:
        print(
            f"warning: {data.unreadable.count} archive line(s) are not records and were left out: "
            f"{'; '.join(data.unreadable.examples)}",
            file=sys.stderr,
        )
    print(
        f"wrote {args.output}: {data.records} records, {len(data.coverage)} sites, "
        f"{len(data.runs)} runs, {len(data.drift)} drift warnings"
    )
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    if args.check:
        if SCHEMA_PATH.read_text(encoding="utf-8") != schema_text():
            print(f"{SCHEMA_PATH} is stale: run python -m archiver schema", file=sys.stderr)
            return 1
        return 0
    SCHEMA_PATH.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {SCHEMA_PATH}")
    return 0


def cmd_fixtures_regen(args: argparse.Namespace) -> int:
    changed = golden.regenerate(Path(args.root))
    for path in changed:
        print(f"rewrote {path}")
    print(f"{len(changed)} golden files changed; review the diff before committing")
    return 0


def cmd_fixtures_add(args: argparse.Namespace) -> int:
    inputs = (
        {"url": args.url}
        if args.kind == "listing"
        else {"url": args.url, "fetched_at": args.fetched_at}
    )
    for page in args.pages:
        path = golden.write(
            Path(page), args.kind, inputs if len(args.pages) == 1 else _input_for(Path(page), args)
        )
        print(f"wrote {path}" if path else f"{page}: golden file unchanged")
    return 0


def _input_for(page: Path, args: argparse.Namespace) -> dict[str, str]:
    """--url names a folder when several pages are added: each page's URL is folder + name."""
    url = (args.url if args.url.endswith("/") else args.url + "/") + page.name.removesuffix(".gz")
    return {"url": url} if args.kind == "listing" else {"url": url, "fetched_at": args.fetched_at}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m archiver", description=__doc__)
    parser.add_argument("--version", action="version", version=f"archiver {version('archiver')}")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_parse(sub)
    _add_archive_verbs(sub)
    _add_fixtures(sub)
    return parser


def _add_parse(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "parse",
        help="parse saved pages (.html, .htm, .html.gz, .warc, .warc.gz, or directories) to JSONL",
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT")
    p.add_argument("-o", "--output", required=True, metavar="OUT.jsonl")
    p.add_argument(
        "--base-url", help="URL of the INPUT directory, for pages without a canonical link"
    )
    p.add_argument(
        "--fetched-at",
        help=(
            "fetched_at for every record (ISO 8601); "
            "default: file mtime, or a WARC record's WARC-Date"
        ),
    )
    p.add_argument(
        "-j",
        "--jobs",
        type=int,
        metavar="N",
        help="worker processes (default: one per core); output is the same for any N",
    )
    p.add_argument(
        "--timeout",
        type=float,
        metavar="S",
        default=PARSE_TIMEOUT,
        help=(
            "a page not parsed in S seconds is failed:parse_timeout "
            f"(default: {PARSE_TIMEOUT:g}; with -j 2 or more)"
        ),
    )
    p.set_defaults(func=cmd_parse)


def _add_archive_verbs(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    e = sub.add_parser(
        "export",
        help="write the archive's records to one Parquet file (columns typed from the JSON Schema)",
    )
    e.add_argument("archive", metavar="ARCHIVE_DIR")
    e.add_argument("--parquet", required=True, metavar="OUT.parquet")
    e.set_defaults(func=cmd_export)

    rp = sub.add_parser(
        "report",
        help="write a self-contained HTML report: records, field coverage, drift, failures",
    )
    rp.add_argument("archive", metavar="ARCHIVE_DIR")
    rp.add_argument("-o", "--output", default="report.html", metavar="OUT.html")
    rp.set_defaults(func=cmd_report)

    s = sub.add_parser(
        "schema", help="regenerate archiver/article.schema.json from the item classes"
    )
    s.add_argument("--check", action="store_true", help="exit 1 if the committed schema is stale")
    s.set_defaults(func=cmd_schema)


def _add_fixtures(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    f = sub.add_parser("fixtures", help="golden-file maintenance")
    fsub = f.add_subparsers(dest="fixtures_command", required=True)
    r = fsub.add_parser("regen", help="rewrite expected JSON beside every fixture page")
    r.add_argument("--root", default="fixtures")
    r.set_defaults(func=cmd_fixtures_regen)
    a = fsub.add_parser("add", help="write the golden file for new fixture pages")
    a.add_argument("pages", nargs="+", metavar="PAGE")
    a.add_argument("--kind", choices=golden.KINDS, required=True)
    a.add_argument("--url", required=True, help="the page's URL (a folder URL when adding several)")
    a.add_argument("--fetched-at", default="2024-09-30T08:00:00Z")
    a.set_defaults(func=cmd_fixtures_add)


def check_paths(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Output files go into an existing directory and are not directories; pages to add exist.
    A bad one is an `error:` line and exit status 2 (parser.error), never a traceback."""
    for option in ("output", "parquet"):
        value = getattr(args, option, None)
        if value is None:
            continue
        path = Path(value)
        if path.is_dir():
            parser.error(f"--{option} {value}: is a directory, give a file name")
        if not path.parent.is_dir():
            parser.error(f"--{option} {value}: no such directory: {path.parent}")
    missing = [page for page in getattr(args, "pages", None) or () if not Path(page).is_file()]
    if missing:
        parser.error(f"no such file: {', '.join(missing)}")


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "fetched_at", None):
        try:
            datetime.fromisoformat(args.fetched_at)
        except ValueError:
            parser.error(f"--fetched-at must be ISO 8601, got {args.fetched_at!r}")
    check_paths(parser, args)
    return int(args.func(args))
