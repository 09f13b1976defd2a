"""Distributed crawls on scrapy-redis: many workers, one Redis, one global dedup decision.

Switched on by ARCHIVER_REDIS_URL (setting or environment); see addon.RedisAddon.
"""
