"""What Scrapy runs, wired together: the per-crawl context its components share."""
