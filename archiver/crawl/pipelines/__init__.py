"""Item pipelines, one job each: validate, dedup, archive."""
