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
# A shard is also closed once it holds this many (uncompressed) bytes; 0: no size limit.
ARCHIVE_SHARD_MAX_BYTES = 256 * 1024 * 1024
# Closed shards are gzipped to *.jsonl.gz (plain copy removed once the .gz is durable).
ARCHIVE_GZIP = True

# -- RAWPAGES_*: the fetched bytes of article pages, kept as WARC -------------
# Off by default. On: every 2xx article response is written as a WARC response record
# (plus its request record) to RAWPAGES_DIR/<prefix>-<seq>.warc.gz, gzipped per record, so
# `python -m archiver parse RAWPAGES_DIR` can re-extract the crawl later without fetching.
RAWPAGES_ENABLED = False
# Default (empty): ARCHIVE_DIR/warc.
RAWPAGES_DIR = ""
# A WARC file is closed and a new one opened past this many (compressed) bytes.
RAWPAGES_MAX_BYTES = 1024 * 1024 * 1024
# After HttpCompressionMiddleware (590): bodies are stored decoded, as the spider parses them.
DOWNLOADER_MIDDLEWARES = {
    "archiver.rawpages.RawPagesMiddleware": 575,
}

# -- STATE_*: crash-safe crawl state (SQLite, WAL) ------------------------------
# The queue, the seen set and the archived-record index live on disk, in STATE_DIR
# (default: ARCHIVE_DIR), so re-running the same command after a kill resumes.
# SCHEDULER is chosen by archiver.distributed.addon.RedisAddon (ADDONS below):
# archiver.scheduler.DurableScheduler, or scrapy-redis's when ARCHIVER_REDIS_URL is set.
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

# -- ARCHIVER_REDIS_*: distributed crawls (scrapy-redis) ----------------------
# Set (here, with -s, or in the environment) to run as one of many workers sharing a Redis
# queue, dupefilter and dedup index; unset, nothing needs Redis.
ARCHIVER_REDIS_URL = ""
# A request a worker took but did not finish within this many seconds goes back to the queue.
ARCHIVER_REDIS_LEASE_SECONDS = 120.0
# An idle worker waits this long for more work (other workers' links, expired leases).
ARCHIVER_REDIS_MAX_IDLE = 10.0
ADDONS = {"archiver.distributed.addon.RedisAddon": 0}

# -- ARCHIVER_*: crawl behaviour ----------------------------------------------
# Directory served on 127.0.0.1 when `scrapy crawl articles` gets no start_url.
ARCHIVER_FIXTURE_SITE = ""
