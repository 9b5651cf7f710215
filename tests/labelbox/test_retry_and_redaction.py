"""Backoff arithmetic, Retry-After parsing, and the API key kept out of text."""

from __future__ import annotations

import logging
import random
from email.utils import formatdate

from lb_export_pipeline.labelbox.redaction import ApiKey, RedactingFilter, redact, register_secret
from lb_export_pipeline.labelbox.retry import RetryPolicy, parse_retry_after


def test_retry_after_seconds_and_http_date() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("0.5") == 0.5
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    now = 1_700_000_000.0
    assert parse_retry_after(formatdate(now + 30, usegmt=True), now=now) == 30.0


def test_backoff_is_capped_full_jitter_and_retry_after_wins() -> None:
    policy = RetryPolicy(initial_backoff=1, max_backoff=8, multiplier=2, max_retry_after=60)
    rng = random.Random(1)
    assert all(0 <= policy.backoff(a, rng=rng) <= min(8, 2 ** (a - 1)) for a in range(1, 12))
    assert policy.backoff(5, retry_after=2.5) == 2.5
    assert policy.backoff(1, retry_after=900) == 60


def test_key_is_redacted_in_text_reprs_and_logs() -> None:
    register_secret("sk-live-abcdef")
    assert redact("failed with key sk-live-abcdef!") == "failed with key ***!"
    assert "abcdef" not in repr(ApiKey("sk-live-abcdef")) + str(ApiKey("sk-live-abcdef"))
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "Authorization: Bearer %s", ("sk-live-abcdef",), None)
    RedactingFilter().filter(record)
    assert record.getMessage() == "Authorization: Bearer ***"
