"""When and how long to wait before trying again, and the client's one retry loop.

Exponential backoff with full jitter (as google-api-core, which the SDK uses), and a server's
``Retry-After`` (seconds or an HTTP date) taking precedence when it is a usable value. Unlike the
SDK, 429 is retried: Labelbox rate limits are transient. GraphQL requests and chunk downloads both
go through ``Retrying.call``; a download that made progress before it broke starts its count again.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TypeVar

from . import exceptions as exc

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
TRANSIENT = (exc.TransportError, exc.ApiLimitError, exc.InternalServerError)
"""What is tried again: no answer at all, a rate limit, a server error."""

T = TypeVar("T")
log = logging.getLogger("lb_export_pipeline.labelbox")


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    initial_backoff: float = 1.0
    max_backoff: float = 60.0
    multiplier: float = 2.0
    max_retry_after: float = 300.0

    def backoff(self, attempt: int, retry_after: float | None = None, rng: random.Random | None = None) -> float:
        """Seconds to sleep after failed attempt number ``attempt`` (1-based): the server's
        ``retry_after`` (capped at ``max_retry_after``) if it is a finite number, else jittered backoff."""
        if retry_after is not None and math.isfinite(retry_after):
            return min(max(retry_after, 0.0), self.max_retry_after)
        cap = min(self.max_backoff, self.initial_backoff * self.multiplier ** (attempt - 1))
        return (rng or random).uniform(0, cap)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds: delay-seconds (fractions accepted) or an HTTP date. Anything
    else (``nan``, ``inf``, a negative number, text) is ``None``: the caller backs off instead."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class Retrying:
    """Runs an attempt until it succeeds, fails for good, or the policy's attempts are spent.

    An attempt raises one of ``TRANSIENT`` to be tried again (its ``retry_after``, if any, sets the
    wait). ``progress`` (a counter such as the bytes received) resets the attempt count whenever it
    moved during the failed attempt: a transfer that keeps delivering is never given up on.
    """

    def __init__(self, policy: RetryPolicy, sleep: Callable[[float], None] = time.sleep) -> None:
        self.policy = policy
        self._sleep = sleep
        self.waits: list[float] = []  # the backoff of every retry so far, for metadata and tests

    def call(self, attempt: Callable[[], T], progress: Callable[[], int] | None = None) -> T:
        failures = 0
        mark = progress() if progress else 0
        while True:
            try:
                return attempt()
            except TRANSIENT as error:
                if progress is not None and progress() != mark:
                    failures, mark = 0, progress()
                failures += 1
                if failures >= self.policy.max_attempts:
                    if isinstance(error, exc.TransportError):
                        raise exc.TransportError(f"{error} (gave up after {failures} attempts)") from error
                    raise
                delay = self.policy.backoff(failures, error.retry_after)
                self.waits.append(delay)
                log.info("Labelbox %s; retry %d/%d in %.2fs", error, failures, self.policy.max_attempts - 1, delay)
                self._sleep(delay)
