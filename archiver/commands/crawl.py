"""`scrapy crawl`, with the spider's arguments checked before the crawl starts.

Scrapy builds the spider inside the running crawl, so a UsageError raised by its `__init__`
(`-a start_url=ftp://x`) surfaces as a logged traceback and exit status 1, and an unknown
spider name as a KeyError traceback. Checked here first, both are one `error:` line and
exit status 2, as with any other bad command-line option.
"""

from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from archiver.spiders.args import SpiderArgs
from archiver.spiders.articles import ArticlesSpider

# Passed by Scrapy / Scrapyd to every spider, not spider arguments of ours.
FRAMEWORK_ARGUMENTS = ("name", "_job")


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) == 1 and self.crawler_process is not None:
            try:
                spidercls = self.crawler_process.spider_loader.load(args[0])
            except KeyError:
                known = ", ".join(sorted(self.crawler_process.spider_loader.list()))
                raise UsageError(f"no spider named {args[0]!r}; spiders: {known}", print_help=False) from None
            if issubclass(spidercls, ArticlesSpider):
                SpiderArgs.parse(**{k: v for k, v in opts.spargs.items() if k not in FRAMEWORK_ARGUMENTS})
        super().run(args, opts)
