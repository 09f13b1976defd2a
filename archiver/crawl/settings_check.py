"""Every setting checked before a crawl starts: a bad one is one line naming it, not a
traceback from deep inside the crawl (`-s NEARDUP_POLICY=dorp` printed ~95 lines).

One function per group of archiver/settings.py; `check_settings` runs them all, plus a
check that every setting whose default is a number or a boolean still is one (Scrapy's own
too: `-s CONCURRENT_REQUESTS=many`). The paths the crawl writes to are created and written
to once here, so an unwritable one is named now, not as `sqlite3.OperationalError` later.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from scrapy.settings import BaseSettings
from scrapy.settings import default_settings as scrapy_defaults

import archiver.settings as archiver_defaults
from archiver.crawl.addresses import allowed_hosts
from archiver.crawl.context import CrawlPaths
from archiver.distributed.addon import redis_url


class SettingsError(ValueError):
    """A setting, path or profile the crawl cannot run with; the message is one line."""


def _int(s: BaseSettings, name: str, minimum: int | None = None) -> int:
    try:
        value = s.getint(name)
    except (TypeError, ValueError):
        raise SettingsError(f"{name} must be an integer, got {s.get(name)!r}") from None
    if minimum is not None and value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


def _float(
    s: BaseSettings,
    name: str,
    low: float | None = None,
    high: float | None = None,
    *,
    above_low: bool = False,
) -> float:
    try:
        value = s.getfloat(name)
    except (TypeError, ValueError):
        raise SettingsError(f"{name} must be a number, got {s.get(name)!r}") from None
    too_low = low is not None and (value <= low if above_low else value < low)
    if too_low or (high is not None and value > high):
        lower = f"{'(' if above_low else '['}{low if low is not None else '-inf'}"
        bounds = f"{lower}, {high if high is not None else 'inf'}]"
        raise SettingsError(f"{name} must be in {bounds}, got {value}")
    return value


def _bool(s: BaseSettings, name: str) -> bool:
    try:
        return s.getbool(name)
    except (TypeError, ValueError):
        raise SettingsError(
            f"{name} must be True or False (or 1 / 0), got {s.get(name)!r}"
        ) from None


def writable_dir(name: str, raw: str | os.PathLike[str]) -> Path:
    """The directory, created if missing, after writing a file in it; else SettingsError."""
    path = Path(raw)
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=path, prefix=".write-check-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise SettingsError(
            f"{name} {str(raw)!r} is not a writable directory: {exc.strerror or exc}"
        ) from None
    return path


def check_archive(s: BaseSettings) -> None:
    writable_dir("ARCHIVE_DIR", CrawlPaths.of(s).archive)
    _int(s, "ARCHIVE_SHARD_MAX_RECORDS", 1)
    _int(s, "ARCHIVE_SHARD_MAX_BYTES", 0)
    _bool(s, "ARCHIVE_GZIP")
    _bool(s, "ARCHIVE_FSYNC")


def check_rawpages(s: BaseSettings) -> None:
    if _bool(s, "RAWPAGES_ENABLED"):
        writable_dir("RAWPAGES_DIR", CrawlPaths.of(s).rawpages)
    _int(s, "RAWPAGES_MAX_BYTES", 1)


def check_state(s: BaseSettings) -> None:
    if s.get("STATE_DIR"):
        writable_dir("STATE_DIR", s.get("STATE_DIR"))
    _float(s, "STATE_COMMIT_INTERVAL", 0, above_low=True)
    _int(s, "STATE_TAKE_BATCH", 1)


def check_neardup(s: BaseSettings) -> None:
    from archiver.crawl.pipelines.neardup import POLICIES

    _bool(s, "NEARDUP_ENABLED")
    _bool(s, "NEARDUP_SEED_FROM_ARCHIVE")
    if s.get("NEARDUP_POLICY") not in POLICIES:
        raise SettingsError(
            f"NEARDUP_POLICY must be one of {', '.join(POLICIES)}, got {s.get('NEARDUP_POLICY')!r}"
        )
    _float(s, "NEARDUP_THRESHOLD", 0, 1, above_low=True)


def check_listing_and_traps(s: BaseSettings) -> None:
    _int(s, "LISTING_STOP_AFTER_KNOWN_PAGES", 1)
    _float(s, "RECRAWL_AFTER", -1)
    for name in (
        "TRAP_LISTING_PAGES_WITHOUT_NEW_ARTICLES",
        "TRAP_MAX_LISTING_DEPTH",
        "TRAP_MAX_URLS_PER_HOST",
        "TRAP_MAX_SITEMAP_DEPTH",
        "TRAP_MAX_SITEMAPS",
    ):
        _int(s, name, 0)
    s.getlist("TRAP_SESSION_PARAMS")


def check_reporting(s: BaseSettings) -> None:
    _float(s, "PROGRESS_INTERVAL", 0)
    _float(s, "DRIFT_COVERAGE_BEFORE", 0, 1)
    _float(s, "DRIFT_COVERAGE_NOW", 0, 1)
    _int(s, "DRIFT_MIN_RECORDS", 1)
    _int(s, "DRIFT_HISTORY_RUNS", 1)
    _float(s, "CRAWL_MAX_FAILED_RATIO", 0, 1)


def check_page_limits(s: BaseSettings) -> None:
    for name in (
        "ARCHIVER_MAX_PAGE_BYTES",
        "ARCHIVER_MAX_TAGS",
        "ARCHIVER_MAX_ELEMENTS",
        "ARCHIVER_MAX_DEPTH",
        "ARCHIVER_MAX_ATTRIBUTES",
        "ARCHIVER_MAX_LINKS",
        "ARCHIVER_MAX_TOC_ENTRIES",
        "ARCHIVER_MAX_RECORD_BYTES",
    ):
        _int(s, name, 1)


def check_hosts_and_sites(s: BaseSettings) -> None:
    try:  # the guard's own parser: what it would refuse at start-up is refused here, in one line
        allowed_hosts(s.getlist("ARCHIVER_ALLOWED_PRIVATE_HOSTS"))
    except ValueError as exc:
        raise SettingsError(f"ARCHIVER_ALLOWED_PRIVATE_HOSTS: {exc}") from None
    site = s.get("ARCHIVER_FIXTURE_SITE")
    if site and not Path(site).is_dir():
        raise SettingsError(f"ARCHIVER_FIXTURE_SITE {site!r} is not a directory")


def check_redis(s: BaseSettings) -> None:
    url = redis_url(s)
    if url and urlsplit(url).scheme not in ("redis", "rediss", "unix"):
        raise SettingsError(
            f"ARCHIVER_REDIS_URL must be a redis://, rediss:// or unix:// URL, got {url!r}"
        )
    _float(s, "ARCHIVER_REDIS_LEASE_SECONDS", 0, above_low=True)
    _float(s, "ARCHIVER_REDIS_MAX_IDLE", 0)


def check_log_file(s: BaseSettings) -> None:
    log_file = s.get("LOG_FILE")
    if log_file:
        writable_dir("LOG_FILE's directory", Path(log_file).parent)


# archiver settings with an integer default that are read as any number (seconds).
READ_AS_NUMBER = frozenset({"RECRAWL_AFTER"})


def check_types(s: BaseSettings) -> None:
    """A setting whose default is a boolean or a number must still be one. archiver's own
    integers stay integers; Scrapy's take any number (`DOWNLOAD_DELAY=0.5`,
    `DOWNLOAD_TIMEOUT=7.5`)."""
    for name in s:
        scrapys = name in vars(scrapy_defaults)
        default = getattr(archiver_defaults, name, getattr(scrapy_defaults, name, None))
        if isinstance(default, bool):
            _bool(s, name)
        elif isinstance(default, int) and not scrapys and name not in READ_AS_NUMBER:
            _int(s, name)
        elif isinstance(default, (int, float)):
            _float(s, name)


GROUPS: tuple[Callable[[BaseSettings], None], ...] = (
    check_types,
    check_archive,
    check_rawpages,
    check_state,
    check_neardup,
    check_listing_and_traps,
    check_reporting,
    check_page_limits,
    check_hosts_and_sites,
    check_redis,
    check_log_file,
)


def check_settings(s: BaseSettings) -> None:
    """Raise SettingsError (one line) for the first bad setting, path or site profile."""
    for check in GROUPS:
        check(s)
    check_profiles()


def check_profiles() -> None:
    from archiver.extract.profiles import ProfileError, builtin_profiles

    try:
        builtin_profiles()
    except ProfileError as exc:
        raise SettingsError(f"site profile {exc}") from None
