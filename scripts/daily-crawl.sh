#!/usr/bin/env bash
# One scheduled crawl, then the report: what the crontab line in scripts/crontab.example runs.
#
#   scripts/daily-crawl.sh START_URL ARCHIVE_DIR [more scrapy options…]
#
# flock: if yesterday's crawl still runs, today's is skipped rather than run twice into one
# ARCHIVE_DIR (one crawl writes to an archive at a time). A killed crawl resumes next time.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: $0 START_URL ARCHIVE_DIR [scrapy options…]" >&2; exit 2; }
start_url=$1 archive=$2
shift 2
mkdir -p "$archive"
exec 9>"$archive/.cron.lock"
flock -n 9 || { echo "$(date -u +%FT%TZ) a crawl into $archive is still running; skipped" >&2; exit 0; }
# The checkout's venv when there is one; else whatever python/scrapy are on PATH.
if [ -f .venv/bin/activate ]; then . .venv/bin/activate; fi
scrapy crawl articles -a start_url="$start_url" -s ARCHIVE_DIR="$archive" -s LOG_FILE="$archive/crawl.log" "$@"
python -m archiver report "$archive" -o "$archive/report.html"
