"""Every archiver setting, grouped by prefix; each is documented in the README's table."""

from __future__ import annotations

from scrapy.settings.default_settings import EXTENSIONS_BASE as SCRAPY_EXTENSIONS_BASE

BOT_NAME = "archiver"
SPIDER_MODULES = ["archiver.crawl.spider"]
NEWSPIDER_MODULE = "archiver.crawl.spider"
# `scrapy crawl` checks spider arguments before starting: a bad one is an error line, exit 2.
COMMANDS_MODULE = "archiver.crawl.commands"
# A dropped record is logged as one line (reason, URL, detail), without the record itself.
LOG_FORMATTER = "archiver.crawl.logformatter.OneLineLogFormatter"

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
# Items (and requests) of one response processed at a time. Scrapy's 100 makes 100 asyncio
# tasks per response, ~10% of a crawl's CPU, for nothing here: an article page yields one
# record and every pipeline is synchronous, so nothing could run concurrently anyway.
CONCURRENT_ITEMS = 1
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
TELNETCONSOLE_ENABLED = False

ITEM_PIPELINES = {
    "archiver.crawl.pipelines.validate.ValidatePipeline": 100,
    "archiver.crawl.pipelines.dedup.DedupPipeline": 200,
    "archiver.crawl.pipelines.neardup.NearDuplicatePipeline": 250,
    "archiver.crawl.pipelines.archive.ArchivePipeline": 300,
}
EXTENSIONS = {
    "archiver.crawl.extensions.CrawlSummary": 500,
    # The exit status of `scrapy crawl` (archiver/crawl/exits.py).
    "archiver.crawl.exits.CrawlExit": 510,
}
# Scrapy's extensions but RemoteControl (2.19), which runs Python code posted to a local
# HTTP server and writes its token under the user's home: the archiver has no use for it,
# and importing it imports aiohttp, ~150 ms of every crawl's start. Scrapy imports every
# class named in EXTENSIONS, even one set to None, so it is left out of the base instead.
EXTENSIONS_BASE = {
    k: v for k, v in SCRAPY_EXTENSIONS_BASE.items() if not k.endswith(".RemoteControl")
}

# -- ARCHIVE_*: where and how records are written -----------------------------
ARCHIVE_DIR = "archive"
ARCHIVE_SHARD_MAX_RECORDS = 100_000
ARCHIVE_FSYNC = True
# A shard is also closed once it holds this many (uncompressed) bytes; 0: no size limit.
ARCHIVE_SHARD_MAX_BYTES = 256 * 1024 * 1024
# Closed shards are gzipped to *.jsonl.gz (plain copy removed once the .gz is durable).
ARCHIVE_GZIP = True
# A write (or state commit) that fails on a full disk is retried for this many seconds, with
# one warning, before the crawl stops with `archive_write_failed`; 0: stop at once.
ARCHIVE_DISK_FULL_WAIT = 60.0

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
    # Before RobotsTxtMiddleware (100): a refused host gets no robots.txt request either.
    "archiver.crawl.middlewares.AddressGuard": 50,
    "archiver.crawl.rawpages.RawPagesMiddleware": 575,
}

# -- STATE_*: crash-safe crawl state (SQLite, WAL) ------------------------------
# The queue, the seen set and the archived-record index live on disk, in STATE_DIR
# (default: ARCHIVE_DIR), so re-running the same command after a kill resumes.
# SCHEDULER is chosen by archiver.distributed.addon.RedisAddon (ADDONS below):
# archiver.crawl.scheduler.DurableScheduler, or scrapy-redis's when ARCHIVER_REDIS_URL is set.
STATE_DIR = ""
# Seconds between state commits; each commit first fsyncs the open archive shard.
STATE_COMMIT_INTERVAL = 1.0
# Requests taken from the state per read.
STATE_TAKE_BATCH = 16

# -- NEARDUP_*: near-duplicates (mirrors and light edits under other URLs) ---------
# MinHash signatures of every archived body live in STATE_DIR/neardup.sqlite, across runs.
NEARDUP_ENABLED = True
# "drop" a near-duplicate, or "mark" it: keep it with duplicate_of = the archived original.
NEARDUP_POLICY = "drop"
# Estimated Jaccard similarity of the bodies' shingle sets (5 characters for Chinese,
# Japanese, Korean; 3 words otherwise) at or above which a body is a near-duplicate.
# 0.3: on the generated corpus, precision >= 0.999 and recall ~0.99 (benchmarks/neardup.py).
NEARDUP_THRESHOLD = 0.3
# When the index is new (first run with it, or an unusable one set aside), sign the
# records already in ARCHIVE_DIR first.
NEARDUP_SEED_FROM_ARCHIVE = True

# -- Incremental re-crawl -----------------------------------------------------
# Stop paging a listing after this many pages in a row list only archived articles.
LISTING_STOP_AFTER_KNOWN_PAGES = 2
# Re-fetch an archived article (conditionally: If-None-Match / If-Modified-Since) when its
# last fetch is older than this many seconds; -1 never re-fetches archived articles.
RECRAWL_AFTER = -1

# -- TRAP_*: crawler traps (archiver/crawl/traps.py); 0 turns a bound off ------------
# Each stop is counted (archiver/trap/<reason>) and logged once per reason and host.
# Stop a listing's next-page chain after this many pages in a row offered no article the
# crawl had not archived or requested already (empty pages too): a calendar, an endless
# "next" of empty pages.
TRAP_LISTING_PAGES_WITHOUT_NEW_ARTICLES = 10
# Next-page steps followed from a start URL.
TRAP_MAX_LISTING_DEPTH = 1000
# Distinct URLs requested per host in one run.
TRAP_MAX_URLS_PER_HOST = 100_000
# Sitemap indexes followed in a row (robots.txt -> index -> sitemap is 2) and sitemaps
# requested per run (an index naming ever new indexes).
TRAP_MAX_SITEMAP_DEPTH = 4
TRAP_MAX_SITEMAPS = 10_000
# Query parameter names stripped from every request URL as session ids, besides the
# built-in jsessionid, phpsessid, sessionid, session_id, sessid, aspsessionid*, and sid
# when it holds a session token (archiver/extract/urls.py); `;jsessionid=` path parameters too.
TRAP_SESSION_PARAMS: list[str] = []
SPIDER_MIDDLEWARES = {
    # Next to the spider: its requests lose their session ids before anything else sees them.
    "archiver.crawl.traps.TrapGuard": 950,
}

# -- ARCHIVER_REDIS_*: distributed crawls (scrapy-redis) ----------------------
# Set (here, with -s, or in the environment) to run as one of many workers sharing a Redis
# queue, dupefilter and dedup index; unset, nothing needs Redis.
ARCHIVER_REDIS_URL = ""
# A request a worker took but did not finish within this many seconds goes back to the queue.
ARCHIVER_REDIS_LEASE_SECONDS = 120.0
# An idle worker waits this long for more work (other workers' links, expired leases).
ARCHIVER_REDIS_MAX_IDLE = 10.0
# A lost Redis connection is retried with backoff this long before the worker stops
# (`redis_unavailable`); the worker waits meanwhile.
ARCHIVER_REDIS_RECONNECT_SECONDS = 60.0
# ContextAddon builds the per-crawl objects (paths, shard prefix, crawl state, ledger) once;
# RedisAddon chooses the scheduler.
ADDONS = {"archiver.crawl.context.ContextAddon": 0, "archiver.distributed.addon.RedisAddon": 0}

# -- PROGRESS_*, DRIFT_*: what a crawl tells while it runs and when it ends ----------
# Seconds between "Progress: N pages (N pages/min), N archived, N dropped, N skipped,
# N failed" log lines (Scrapy's own LogStats line gives pages/min only); 0: off.
PROGRESS_INTERVAL = 60.0
# At the end, each crawl writes ARCHIVE_DIR/runs/<shard prefix>.json (stats, per-site field
# coverage, example URLs); `python -m archiver report` reads them. Layout drift: a field that
# was in at least DRIFT_COVERAGE_BEFORE of a site's records in its previous
# DRIFT_HISTORY_RUNS runs and is in at most DRIFT_COVERAGE_NOW of this run's is logged as a
# WARNING with example URLs (a profile's TOC or date selector stopped matching after a
# redesign). Sites with fewer than DRIFT_MIN_RECORDS records (now or before) are not judged.
DRIFT_COVERAGE_BEFORE = 0.5
DRIFT_COVERAGE_NOW = 0.1
DRIFT_MIN_RECORDS = 5
DRIFT_HISTORY_RUNS = 5
# `scrapy crawl` exits with status 1 when more than this share of the pages it tried failed
# (archiver/failed/*): 0.25 lets a healthy crawl's few 404s and timeouts pass, and fails
# one a site mostly refused (403 / 429) or that lost its network.
CRAWL_MAX_FAILED_RATIO = 0.25

# `scrapy check articles`: @fixture PATH requests PATH of ARCHIVER_FIXTURE_SITE, served on
# 127.0.0.1 for the check, so the spider's contracts run offline (archiver/crawl/contracts.py).
SPIDER_CONTRACTS = {"archiver.crawl.contracts.FixtureContract": 10}

# -- ARCHIVER_*: crawl behaviour ----------------------------------------------
# Directory served on 127.0.0.1 when `scrapy crawl articles` gets no start_url.
ARCHIVER_FIXTURE_SITE = ""
# Its port, fixed so a re-run finds its records under the same URLs (another free port,
# with a warning, when this one is taken); 0: any free port.
ARCHIVER_FIXTURE_SITE_PORT = 8639

# -- ARCHIVER_PARSE_*: extraction in worker processes (archiver/parsepool/) ------
# Article pages are parsed by this many processes while the reactor keeps downloading;
# unset: one per core; 0 or 1: in the crawl's own process (tests, tiny crawls).
ARCHIVER_PARSE_WORKERS: int | None = None
# A page not parsed in this many seconds is `archiver/failed/parse_timeout` (its worker is
# killed and replaced); one whose worker dies is `archiver/failed/worker_died`.
ARCHIVER_PARSE_TIMEOUT = 60.0

# -- ARCHIVER_MAX_*: what one page may cost (archiver/extract/limits.py) -------
# A hostile page gets a counted reason (`archiver/skipped/<reason>`) instead of a hang.
# Body bytes, on the wire and once decompressed (a gzip bomb stops here): `too_large`.
# Also caps Scrapy's download (DOWNLOAD_MAXSIZE still applies when smaller).
ARCHIVER_MAX_PAGE_BYTES = 16 * 1024 * 1024
# `<` in the body before parsing (`too_many_tags`), then elements in the tree
# (`too_many_elements`, ~0.12 ms each to extract) and nesting depth (`too_deep`).
ARCHIVER_MAX_TAGS = 400_000
ARCHIVER_MAX_ELEMENTS = 40_000
ARCHIVER_MAX_DEPTH = 512
# Attributes of one tag (`too_many_attributes`): libxml2's duplicate check is quadratic in them.
ARCHIVER_MAX_ATTRIBUTES = 256
# Distinct link targets taken from one page (listing URLs, related, body links).
ARCHIVER_MAX_LINKS = 10_000
ARCHIVER_MAX_TOC_ENTRIES = 2_000
# A record whose JSON line would be larger is skipped (`record_too_large`).
ARCHIVER_MAX_RECORD_BYTES = 16 * 1024 * 1024

# -- Security: where the crawl may connect (crawl/middlewares.py, crawl/addresses.py) ---------
# Only http(s) is fetched, and never a loopback, private, link-local, metadata, multicast or
# reserved address (by IP, inside an IPv6 form such as ::ffff:a.b.c.d or 64:ff9b::/96, or by
# what a name resolves to), except the hosts of the URLs the user gave the spider (each on its
# own port) and these: a host name, IP or network such as "10.1.0.0/16" (any port), or
# "host:port" / "[v6]:port". URLs pushed to Redis never allow a host.
ARCHIVER_ALLOWED_PRIVATE_HOSTS: list[str] = []
# No handler for file:, data:, ftp: or s3: URLs at all (a redirect to file:///etc/passwd).
DOWNLOAD_HANDLERS = {"file": None, "data": None, "ftp": None, "s3": None}
