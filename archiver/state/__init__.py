"""Storage behind small protocols: dedup index (and, later, crawl state)."""
