"""The segmentation masks the emulator serves: one small PNG per mask object, a pure function of its URL.

A synthetic mask object's URL is ``<base>/api/v1/tasks/<task>/masks/<mask id>[~<fate>]/index/<n>``,
the path of Labelbox's own mask URLs. Its PNG (``MASK_SIZE``, black) holds one rectangle in the
object's colour (``color_of``), placed by the mask id and index. A prediction's fate shows in its
URL (``predicted_url``): ``shifted`` moves the rectangle right by 16% of its width, so that its IoU
with the label's is ``(w - s) / (w + s)`` (about 0.72, ``shifted_iou``); ``spurious`` draws nothing.
"""

from __future__ import annotations

import hashlib
import struct
import zlib

MASK_SIZE = (192, 108)  # width, height: a 1920x1080 image at a tenth of its size
SHIFT = 0.16
PATH_PREFIX = "/api/v1/tasks/"
LABELBOX_BASE = "https://api.labelbox.com"
_FATES = ("shifted", "spurious")


def mask_url(base: str, task: str, mask_id: str, index: int = 1) -> str:
    return f"{base}{PATH_PREFIX}{task}/masks/{mask_id}/index/{index}"


def predicted_url(url: str, fate: str) -> str:
    """The URL of a prediction's mask with this fate (``shifted`` or ``spurious``)."""
    assert fate in _FATES, fate
    head, sep, tail = url.partition("/index/")
    return f"{head}~{fate}{sep}{tail}"


def _digest(*parts: object) -> bytes:
    return hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()


def color_of(mask_id: str) -> list[int]:
    """The object's colour in its composite mask (never black, the background)."""
    r, g, b = _digest("colour", mask_id)[:3]
    return [r, g, b | 1]


def rectangle(mask_id: str, index: int) -> tuple[int, int, int, int]:
    """(left, top, width, height) of the object's pixels, leaving room for the shift."""
    w, h = MASK_SIZE
    d = _digest("rectangle", mask_id, index)
    width, height = 20 + d[0] % 40, 15 + d[1] % 30
    left = d[2] % (w - width - int(width * SHIFT) - 1)
    top = d[3] % (h - height)
    return left, top, width, height


def shifted_iou(mask_id: str, index: int) -> float:
    _, _, width, _ = rectangle(mask_id, index)
    s = round(width * SHIFT)
    return (width - s) / (width + s)


def render(mask_key: str, index: int) -> bytes:
    """The PNG at ``.../masks/<mask_key>/index/<index>``."""
    mask_id, _, fate = mask_key.partition("~")
    w, h = MASK_SIZE
    pixels = bytearray(w * h * 3)
    if fate != "spurious":
        left, top, width, height = rectangle(mask_id, index)
        if fate == "shifted":
            left += round(width * SHIFT)
        row = bytes(color_of(mask_id)) * width
        for y in range(top, top + height):
            start = (y * w + left) * 3
            pixels[start:start + len(row)] = row
    return _png(w, h, bytes(pixels))


def _png(width: int, height: int, rgb: bytes) -> bytes:
    """An 8-bit RGB PNG, unfiltered rows, zlib-compressed."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    stride = width * 3
    raw = b"".join(b"\x00" + rgb[y * stride:(y + 1) * stride] for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
