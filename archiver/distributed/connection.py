"""One Redis client per worker that survives `redis-server` going away and coming back.

Every Redis call of a worker (queue, dupefilter, record index, leases, start URLs) goes
through this client. A lost connection is retried with exponential backoff (50 ms doubling
to 2 s) for up to ARCHIVER_REDIS_RECONNECT_SECONDS; each failed attempt is counted
(`archiver/redis/retries`), each outage survived too (`archiver/redis/reconnects`), and the
outage is logged once when it starts and once when it ends. The call blocks meanwhile: a
worker can do nothing useful without its queue and index, and a blocked call cannot lose a
claim or an acknowledgement half-way. Past the limit the worker gives up: it stops with
`redis_unavailable`, and later calls fail at once instead of waiting again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from redis import Redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

logger = logging.getLogger(__name__)

T = TypeVar("T")

BACKOFF_BASE = 0.05
BACKOFF_CAP = 2.0


class ReconnectingRetry(Retry):
    """redis-py's Retry, bounded by time instead of attempts, and reporting what it does."""

    def __init__(
        self,
        give_up_after: float,
        *,
        count: Callable[[str], None],
        give_up: Callable[[Exception], None],
    ) -> None:
        super().__init__(ExponentialBackoff(cap=BACKOFF_CAP, base=BACKOFF_BASE), retries=-1)
        self.give_up_after = give_up_after
        self.count = count
        self.give_up = give_up
        self.down_since: float | None = None
        self.gave_up = False

    def __deepcopy__(self, memo: dict[int, Any]) -> ReconnectingRetry:
        # redis-py deep-copies the retry into every connection: one outage is one outage for
        # all of them (logged and counted once), and the callbacks must not be copied.
        return self

    def call_with_retry(
        self,
        do: Callable[[], T],
        fail: Callable[..., Any],
        is_retryable: Callable[[Exception], bool] | None = None,
        with_failure_count: bool = False,
    ) -> T:
        failures = 0
        while True:
            try:
                result = do()
            except self._supported_errors as error:
                if is_retryable is not None and not is_retryable(error):
                    raise
                failures += 1
                fail(error, failures) if with_failure_count else fail(error)
                self._failed(error)
                time.sleep(ExponentialBackoff(cap=BACKOFF_CAP, base=BACKOFF_BASE).compute(failures))
                continue
            self._back()
            return result

    def _failed(self, error: Exception) -> None:
        """One failed attempt: counted; the first of an outage logged; past the limit, raised."""
        now = time.monotonic()
        if self.down_since is None:
            self.down_since = now
            if not self.gave_up:
                logger.warning(
                    "Lost the connection to Redis (%s): reconnecting with backoff for up to %.0f s",
                    error,
                    self.give_up_after,
                )
        if self.gave_up or now - self.down_since > self.give_up_after:
            if not self.gave_up:
                self.gave_up = True
                logger.error(
                    "Redis unreachable for %.0f s (%s): stopping this worker (redis_unavailable)",
                    now - self.down_since,
                    error,
                )
                self.give_up(error)
            raise error
        self.count("archiver/redis/retries")

    def _back(self) -> None:
        if self.down_since is not None:
            logger.warning("Reconnected to Redis after %.1f s", time.monotonic() - self.down_since)
            self.count("archiver/redis/reconnects")
            self.down_since = None
        self.gave_up = False


def reconnecting_redis(
    url: str,
    give_up_after: float,
    *,
    count: Callable[[str], None],
    give_up: Callable[[Exception], None],
) -> Redis:
    """A client for `url` whose every command reconnects as ReconnectingRetry says."""
    retry = ReconnectingRetry(give_up_after, count=count, give_up=give_up)
    # The socket timeouts bound one attempt against a Redis that accepts but never answers.
    return Redis.from_url(
        url, retry=retry, socket_timeout=30, socket_connect_timeout=5, health_check_interval=30
    )
