"""`scrapy crawl`, checked before the crawl starts and judged when it ends.

Before: the spider name, its arguments, every setting, the paths it writes and the site
profiles (archiver/crawl/settings_check.py). Scrapy would report a bad one from inside the running
crawl, as a traceback (95 lines for `-s NEARDUP_POLICY=dorp`) and often exit status 0; here
it is one `scrapy crawl: error: …` line on stderr and exit status 2, before Scrapy logs
anything. A crawl state another crawl holds is one line and exit status 75.

After: the exit status says whether the crawl did its job (archiver/crawl/exits.py).
"""

from __future__ import annotations

import argparse
import fcntl
import os
import sys
from typing import NoReturn

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError
from scrapy.settings import BaseSettings
from scrapy.spiderloader import get_spider_loader

from archiver.crawl.args import SpiderArgs
from archiver.crawl.context import CrawlPaths, redis_url
from archiver.crawl.exits import BUSY, USAGE, crawl_exit_of
from archiver.crawl.settings_check import SettingsError, check_settings
from archiver.crawl.spider import ArticlesSpider

# Passed by Scrapy / Scrapyd to every spider, not spider arguments of ours.
FRAMEWORK_ARGUMENTS = ("name", "_job")
STATE_LOCK = "crawl-state.lock"


def fail(message: str, status: int = USAGE) -> NoReturn:
    print(f"scrapy crawl: error: {' '.join(message.splitlines())}", file=sys.stderr)
    raise SystemExit(status)


class Command(ScrapyCrawlCommand):
    state_lock: int | None = None

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        if len(args) != 1:
            return  # Scrapy's own usage error, from run()
        assert self.settings is not None
        try:
            spidercls = get_spider_loader(self.settings).load(args[0])
        except KeyError:
            known = ", ".join(sorted(get_spider_loader(self.settings).list()))
            fail(f"no spider named {args[0]!r}; spiders: {known}")
        try:
            if issubclass(spidercls, ArticlesSpider):
                SpiderArgs.parse(
                    **{k: v for k, v in opts.spargs.items() if k not in FRAMEWORK_ARGUMENTS}
                )
            check_settings(self.settings)
        except (UsageError, SettingsError) as exc:
            fail(str(exc))
        self.state_lock = hold_state_lock(self.settings)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1 or self.crawler_process is None:
            super().run(args, opts)
            return
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
        verdict = crawl_exit_of(crawler)
        if verdict is not None:
            self.exitcode = max(self.exitcode, verdict.status)


def hold_state_lock(settings: BaseSettings) -> int | None:
    """Lock the crawl state for this process's life (the kernel drops it when the process
    ends): a second crawl into the same state would die on "database is locked" mid-start.
    Distributed workers keep their state in Redis and share ARCHIVE_DIR: no lock."""
    if redis_url(settings) is not None:
        return None
    directory = CrawlPaths.of(settings).state
    fd = os.open(directory / STATE_LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        fail(
            f"another crawl is using the crawl state in {directory} ({STATE_LOCK} is locked); "
            "run this one when it has finished",
            BUSY,
        )
    return fd
