"""The one pager of the client's listings.

Offset paging (``skip``/``first`` written into the query text, as the SDK does) and cursor paging
(``after: endCursor``, the first page after ``None``) differ only in the position each page starts
from: ``fetch`` turns a position into a page of items and the next position (``None``: no more pages).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence, Sized
from typing import TypeVar

T = TypeVar("T")
P = TypeVar("P")


def paginate(fetch: Callable[[P], tuple[Sequence[T], P | None]], start: P) -> Iterator[T]:
    """Every item of every page, fetched one page at a time as the iterator is consumed."""
    position = start
    while True:
        items, following = fetch(position)
        yield from items
        if following is None:
            return
        position = following


def next_offset(skip: int, page: Sized, size: int) -> int | None:
    """Offset paging's next position: a short page is the last."""
    return skip + size if len(page) >= size else None
