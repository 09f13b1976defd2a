#!/usr/bin/env bash
# One scheduled crawl, then the report: what the crontab line in scripts/crontab.example runs.
#
#   scripts/daily-crawl.sh START_URL ARCHIVE_DIR [more scrapy options…]
#
# flock: if yesterday's crawl still runs, today's is skipped rather than run twice into one
# ARCHIVE_DIR (one crawl writes to an archive at a time). A killed crawl resumes next time.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 START_URL ARCHIVE_DIR [scrapy options…]" >&2; exit 2; }
start_url=$1 archive=$2
shift 2
# A relative ARCHIVE_DIR is the caller's, not the checkout's: made absolute before the cd.
mkdir -p "$archive"
archive=$(cd "$archive" && pwd)
cd "$(dirname "$0")/.."
exec 9>"$archive/.cron.lock"
flock -n 9 || { echo "$(date -u +%FT%TZ) a crawl into $archive is still running; skipped" >&2; exit 0; }
# The checkout's venv when there is one; else whatever python/scrapy are on PATH.
if [ -f .venv/bin/activate ]; then . .venv/bin/activate; fi
# The crawl's exit status is the script's (0 ok, 1 the crawl failed, 2 a bad option, 75 its
# state is busy: see "Exit status" in README.md); the report is written whatever it was.
status=0
scrapy crawl articles -a start_url="$start_url" -s ARCHIVE_DIR="$archive" -s LOG_FILE="$archive/crawl.log" "$@" || status=$?
if [ "$status" -ne 0 ]; then
    echo "$(date -u +%FT%TZ) the crawl into $archive exited with status $status; see $archive/crawl.log" >&2
fi
python -m archiver report "$archive" -o "$archive/report.html" || { report=$?; [ "$status" -ne 0 ] || status=$report; }
exit "$status"
