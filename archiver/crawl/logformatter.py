"""Scrapy's log lines, one line per dropped record: the reason and URL, not the whole record.

Scrapy logs a dropped item as `Dropped: <reason>` followed by the item's repr, which for an
article is the full body, HTML and Markdown on one giant line. The DropItem messages of
archiver's pipelines already say `<reason>: <url> (<detail>)`; that line is enough.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import logformatter
from scrapy.http import Response
from twisted.python.failure import Failure

from archiver.state.outcomes import NotWritten


class OneLineLogFormatter(logformatter.LogFormatter):
    def dropped(
        self, item: Any, exception: BaseException, response: Response | Failure | None, spider: Any
    ) -> logformatter.LogFormatterResult:
        result = super().dropped(item, exception, response, spider)
        # A record the archive could not take: the crawl is stopping and said why once (ERROR).
        level = logging.DEBUG if isinstance(exception, NotWritten) else result["level"]
        return {
            **result,
            "level": level,
            "msg": "Dropped: %(exception)s",
            "args": {"exception": exception},
        }
