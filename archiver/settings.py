"""Every archiver setting, grouped by prefix; each is documented in the README's table."""

from __future__ import annotations

BOT_NAME = "archiver"
SPIDER_MODULES = ["archiver.spiders"]
NEWSPIDER_MODULE = "archiver.spiders"

# -- Scrapy: politeness and robustness ----------------------------------------
USER_AGENT = "archiver/0.1 (+https://github.com/archiver/archiver)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 8
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_TARGET_CONCURRENCY = 4.0
RETRY_TIMES = 2
DOWNLOAD_TIMEOUT = 30
# Article pages are far below this; a larger body is not an article page.
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
TELNETCONSOLE_ENABLED = False

ITEM_PIPELINES = {
    "archiver.pipelines.validate.ValidatePipeline": 100,
    "archiver.pipelines.dedup.DedupPipeline": 200,
    "archiver.pipelines.archive.ArchivePipeline": 300,
}
EXTENSIONS = {
    "archiver.extensions.CrawlSummary": 500,
}

# -- ARCHIVE_*: where and how records are written -----------------------------
ARCHIVE_DIR = "archive"
ARCHIVE_SHARD_MAX_RECORDS = 100_000
ARCHIVE_FSYNC = True

# -- DEDUP_*: what counts as already archived ---------------------------------
DEDUP_SEED_FROM_ARCHIVE = True

# -- ARCHIVER_*: crawl behaviour ----------------------------------------------
# Directory served on 127.0.0.1 when `scrapy crawl articles` gets no start_url.
ARCHIVER_FIXTURE_SITE = ""
