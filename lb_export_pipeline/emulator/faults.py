"""Fault injection: what can go wrong between a client and Labelbox, on demand and deterministic."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Faults:
    """Every count-based fault hits the Nth, 2Nth, ... request of its kind (0 = off)."""

    rate_limit_every: int = 0          # GraphQL answers 429 with Retry-After
    retry_after: float | str = 0.05    # the Retry-After sent with a 429 and a chunk 503 (seconds, or any text)
    server_error_every: int = 0        # GraphQL answers 503
    chunk_server_error_every: int = 0  # chunk GET answers 503
    drop_chunk_every: int = 0          # chunk GET sends half its bytes, then drops the connection
    drop_after_bytes: int = 0          # every chunk GET sends at most this many bytes, then drops (0 = off)
    slow_seconds: float = 0.0          # every response waits this long first
    fail_export: bool = False          # export tasks end FAILED, with an ERRORS stream
    malformed_every: int = 0           # every Nth result line is replaced by broken JSON
    polls_to_complete: int = 2         # task polls answered IN_PROGRESS before COMPLETE/FAILED
    chunk_bytes: int = 256 * 1024      # target chunk size of exportFileFromOffset
    graphql_response: tuple[int, bytes] | None = None  # every GraphQL request gets this (status, body)
    ignore_range: bool = False         # chunk GETs ignore Range and send the whole chunk (HTTP 200)
