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

# -- STATE_*: crash-safe crawl state (SQLite, WAL) ------------------------------
# The queue, the seen set and the archived-record index live on disk, in STATE_DIR
# (default: ARCHIVE_DIR), so re-running the same command after a kill resumes.
SCHEDULER = "archiver.scheduler.DurableScheduler"
STATE_DIR = ""
# Seconds between state commits; each commit first fsyncs the open archive shard.
STATE_COMMIT_INTERVAL = 1.0
# Requests taken from the state per read.
STATE_TAKE_BATCH = 16

# -- Incremental re-crawl -----------------------------------------------------
# Stop paging a listing after this many pages in a row list only archived articles.
LISTING_STOP_AFTER_KNOWN_PAGES = 2
# Re-fetch an archived article (conditionally: If-None-Match / If-Modified-Since) when its
# last fetch is older than this many seconds; -1 never re-fetches archived articles.
RECRAWL_AFTER = -1

# -- ARCHIVER_*: crawl behaviour ----------------------------------------------
# Directory served on 127.0.0.1 when `scrapy crawl articles` gets no start_url.
ARCHIVER_FIXTURE_SITE = ""
