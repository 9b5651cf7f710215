"""When and how long to wait before trying a request again.

Exponential backoff with full jitter (as google-api-core, which the SDK uses), and a server's
``Retry-After`` (seconds or an HTTP date) taking precedence when it is given. Unlike the SDK, 429
is retried: Labelbox rate limits are transient.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    initial_backoff: float = 1.0
    max_backoff: float = 60.0
    multiplier: float = 2.0
    max_retry_after: float = 300.0

    def backoff(self, attempt: int, retry_after: float | None = None, rng: random.Random | None = None) -> float:
        """Seconds to sleep after failed attempt number ``attempt`` (1-based)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after)
        cap = min(self.max_backoff, self.initial_backoff * self.multiplier ** (attempt - 1))
        return (rng or random).uniform(0, cap)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds: delay-seconds (fractions accepted) or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
