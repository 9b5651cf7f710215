"""Segmentation masks: read through the Labelbox client and compared pixel by pixel, as the SDK does.

A mask object points at a PNG (``mask_url``) and names its colour (``mask_color_rgb``): its pixels
are those of that colour (a composite mask holds several objects, one colour each). The IoU of two
masks is their common pixels over the pixels of either (the SDK's ``_mask_iou``).

Masks are read a few scopes (images, video frames) at a time, their PNGs fetched on threads, and
dropped once those scopes' pairs are scored: memory holds a few scopes' masks, never a bucket's. A
mask that cannot be read (no client to read it with, an HTTP error, too large, not a PNG, no colour)
is skipped with the reason, never dropped.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import numpy.typing as npt
import polars as pl

Fetch = Callable[[str], bytes]
"""GET one mask PNG (with Labelbox's credentials where it wants them); raises when it cannot."""

READ_THREADS = 8
SCOPES_AT_ONCE = 32  # scopes whose masks are in memory together
NO_READER = "mask not read: no Labelbox client to read it with (set LABELBOX_API_KEY)"

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]


def _pixels(png: bytes) -> npt.NDArray[np.uint8]:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        return np.asarray(image.convert("RGB"))


def iou(a: npt.NDArray[np.bool_], b: npt.NDArray[np.bool_]) -> float:
    """The SDK's mask IoU; 0 for masks of different sizes or with no pixels at all."""
    if a.shape != b.shape:
        return 0.0
    union = int(np.count_nonzero(a | b))
    return int(np.count_nonzero(a & b)) / union if union else 0.0


class MaskScorer:
    """Scores the mask pairs of one bucket, reading each mask once."""

    def __init__(self, fetch: Fetch | None) -> None:
        self.fetch = fetch

    def _read(self, url: str) -> npt.NDArray[np.uint8] | str:
        assert self.fetch is not None
        try:
            return _pixels(self.fetch(url))
        except Exception as error:  # every failure is a reason to skip this mask, said in the table
            return f"mask not read: {type(error).__name__}: {error}"

    def score(self, inst: pl.DataFrame, g: Ints, p: Ints) -> tuple[Floats, dict[int, str]]:
        """IoU of the mask pairs (g[i], p[i]) (instance numbers, each pair within one scope), and
        every mask instance that could not be read, with why (its pairs score 0)."""
        masks = inst.filter((pl.col("geometry_kind") == "mask") & pl.col("skip_reason").is_null()).select(
            "idx", "scope", "mask_url", "mask_color_rgb")
        if self.fetch is None:
            return np.zeros(len(g)), dict.fromkeys(masks["idx"].to_list(), NO_READER)
        out = np.zeros(len(g))
        unread: dict[int, str] = {}
        scope_of_pair = inst["scope"].to_numpy()[g] if len(g) else np.empty(0, np.int64)
        scopes = masks["scope"].unique().sort().to_numpy()
        with ThreadPoolExecutor(READ_THREADS, thread_name_prefix="mask-reader") as pool:
            for start in range(0, scopes.size, SCOPES_AT_ONCE):
                chunk = scopes[start:start + SCOPES_AT_ONCE]
                rows = masks.filter(pl.col("scope").is_in(chunk))
                urls = sorted({u for u in rows["mask_url"].to_list() if u})
                images = dict(zip(urls, pool.map(self._read, urls), strict=True))
                bits: dict[int, npt.NDArray[np.bool_]] = {}
                for idx, url, color in rows.select("idx", "mask_url", "mask_color_rgb").iter_rows():
                    image = images.get(url) if url else "mask has no URL"
                    if isinstance(image, str) or image is None:
                        unread[idx] = image or "mask has no URL"
                    elif not color or len(color) != 3:
                        unread[idx] = "mask has no colour (mask_color_rgb)"
                    else:
                        bits[idx] = np.all(image == np.asarray(color, dtype=np.uint8), axis=2)
                for i in np.flatnonzero(np.isin(scope_of_pair, chunk)):
                    a, b = bits.get(int(g[i])), bits.get(int(p[i]))
                    out[i] = iou(a, b) if a is not None and b is not None else 0.0
        return out, unread
