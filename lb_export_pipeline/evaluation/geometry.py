"""IoU between label and prediction objects, vectorised, by Labelbox's rules per geometry kind.

The rules are those of the official SDK (``labelbox.data.metrics.iou.calculation``):

* boxes, polygons (and GeoJSON polygons, in their own coordinates): area of intersection over area
  of union; an invalid polygon (self-intersecting) is repaired with ``buffer(0)`` first;
* polylines and points: both are buffered by 70 px (``BUFFER``) and compared as polygons. Two points
  are therefore two discs of radius 70: the IoU is 0.69 at 20 px apart, 0.5 at 31.9 px, 0 from 140;
* text entities: character ranges ``[start, end]`` as exported; IoU = (min end - max start) /
  (max end - min start), 1 when both ranges are one and the same position, 0 when disjoint;
  conversational spans also need the same message.

Coordinates are rounded to 6 decimals first, as the SDK's trip through GeoJSON (``geojson``'s
default precision) rounds them.

* masks: pixels in common over pixels of either, read from their PNGs (``masks``); a mask that
  cannot be read is skipped, with why.

Anything else (document token groups, GeoJSON points and lines, message selections) is not
compared: ``SKIPPED`` says why, and those objects are counted as skipped, never dropped.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl
import shapely

from .masks import NO_READER

BUFFER = 70.0
DECIMALS = 6
QUAD_SEGS = 16  # what geometry.buffer() uses (the SDK); the vectorised shapely.buffer defaults to 8
_SHAPES = ("polygon", "line", "point", "geojson")
EVALUATED = ("bounding_box", "text_span", "conversational_span", *_SHAPES)
MASK = "mask"  # evaluated when its PNG can be read (known only once read): not in EVALUATED
KINDS = (*EVALUATED, MASK)
SKIPPED = {
    MASK: NO_READER,
    "document_tokens": "document token groups carry no geometry",
    "message_selection": "message selections carry no geometry",
    "geojson_point_line": "GeoJSON points and lines have no pixel scale for the 70-px buffer",
}

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]


def skip_reason(df: pl.DataFrame, read_masks: bool = False) -> pl.Series:
    """Why each instance is not evaluated (null when it is). Masks are evaluated when they can be
    read (``read_masks``: there is a client to read them with); whether each one could is known
    only once read (``masks.MaskScorer``)."""
    kind = df["geometry_kind"]
    geo_other = (kind == "geojson") & ~df["geojson_type"].is_in(["Polygon", "MultiPolygon"]).fill_null(False)
    return (df.select(
        pl.when(geo_other).then(pl.lit(SKIPPED["geojson_point_line"]))
        .when(pl.col("geometry_kind").is_in([*EVALUATED, *([MASK] if read_masks else [])]))
        .then(pl.lit(None, dtype=pl.String))
        .otherwise(pl.col("geometry_kind").replace_strict(SKIPPED, default="geometry kind not evaluated"))
        .alias("skip_reason")).to_series())


def shapes(df: pl.DataFrame, kind: Ints) -> npt.NDArray[np.object_]:
    """Shapely geometry per instance, as the SDK compares it (buffered, repaired); None where unused."""
    out = np.full(df.height, None, dtype=object)
    for k in ("polygon", "line"):
        rows = np.flatnonzero(kind == KINDS.index(k))
        if rows.size == 0:
            continue
        pts = df["points"].gather(rows)
        lengths = pts.list.len().to_numpy()
        ok = lengths >= (3 if k == "polygon" else 2)
        rows, pts, lengths = rows[ok], pts.filter(ok), lengths[ok]
        flat = pts.explode().struct.unnest()
        coords = np.round(np.column_stack([flat["x"].to_numpy(), flat["y"].to_numpy()]), DECIMALS)
        index = np.repeat(np.arange(rows.size), lengths)
        if k == "polygon":
            out[rows] = shapely.polygons(shapely.linearrings(coords, indices=index))
        else:
            out[rows] = shapely.buffer(shapely.linestrings(coords, indices=index), BUFFER, quad_segs=QUAD_SEGS)
    rows = np.flatnonzero(kind == KINDS.index("point"))
    if rows.size:
        xy = np.round(np.column_stack([df["point_x"].to_numpy()[rows], df["point_y"].to_numpy()[rows]]), DECIMALS)
        out[rows] = shapely.buffer(shapely.points(xy), BUFFER, quad_segs=QUAD_SEGS)
    polygonal = df["geojson_type"].is_in(["Polygon", "MultiPolygon"]).fill_null(False).to_numpy()
    rows = np.flatnonzero((kind == KINDS.index("geojson")) & polygonal)
    if rows.size:
        out[rows] = shapely.transform(shapely.from_geojson(df["geojson"].to_numpy()[rows]),
                                      lambda c: np.round(c, DECIMALS))
    used = np.flatnonzero(out != None)  # noqa: E711  (an object array: elementwise)
    if used.size:
        geoms = out[used]
        invalid = ~shapely.is_valid(geoms)
        geoms[invalid] = shapely.buffer(geoms[invalid], 0)
        out[used] = geoms
    return out


def kind_code(df: pl.DataFrame) -> Ints:
    """Geometry kind as an integer per instance (index into KINDS; -1 for anything else)."""
    return df.select(pl.col("geometry_kind").replace_strict(
        {k: i for i, k in enumerate(KINDS)}, default=-1, return_dtype=pl.Int64)).to_series().to_numpy()


BOX = KINDS.index("bounding_box")
EDGES = ("top", "left", "bottom", "right", "area")


def box_edges(df: pl.DataFrame) -> dict[str, Floats]:
    """Per instance: the box's edges, rounded as the SDK's trip through GeoJSON rounds them, and its area."""
    top, left = df["bbox_top"].to_numpy(), df["bbox_left"].to_numpy()
    edges = [np.round(top, DECIMALS), np.round(left, DECIMALS), np.round(top + df["bbox_height"].to_numpy(), DECIMALS),
             np.round(left + df["bbox_width"].to_numpy(), DECIMALS)]
    area = np.clip(edges[2] - edges[0], 0, None) * np.clip(edges[3] - edges[1], 0, None)
    return dict(zip(EDGES, [*edges, area], strict=True))


def span_iou(spans: Floats, message: Ints, g: Ints, p: Ints) -> Floats:
    """Labelbox's text-entity IoU; 0 across conversational messages (``message``: a code per instance)."""
    a0, a1, b0, b1 = spans[g, 0], spans[g, 1], spans[p, 0], spans[p, 1]
    i0, i1 = np.maximum(a0, b0), np.minimum(a1, b1)
    u0, u1 = np.minimum(a0, b0), np.maximum(a1, b1)
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = np.where(u0 == u1, 1.0, np.where(i0 > i1, 0.0, (i1 - i0) / (u1 - u0)))
    return np.where(message[g] == message[p], iou, 0.0)


def shape_iou(ga: npt.NDArray[np.object_], gb: npt.NDArray[np.object_]) -> Floats:
    """Polygon IoU of two aligned arrays of shapes: only pairs whose bounds overlap are intersected."""
    iou = np.zeros(len(ga))
    present = (ga != None) & (gb != None)  # noqa: E711
    rows = np.flatnonzero(present)
    if rows.size == 0:
        return iou
    a, b = ga[rows], gb[rows]
    touching = shapely.intersects(a, b)
    rows, a, b = rows[touching], a[touching], b[touching]
    inter = shapely.area(shapely.intersection(a, b))
    union = shapely.area(a) + shapely.area(b) - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        iou[rows] = np.where(union > 0, inter / union, 0.0)
    return iou


class PairIoU:
    """IoU of instance pairs (g[i], p[i]) of one geometry kind other than boxes (spans and shapes),
    from columns read once per bucket."""

    def __init__(self, inst: pl.DataFrame) -> None:
        self.kind = kind_code(inst)
        self.shapes = shapes(inst, self.kind)
        self.spans = np.column_stack([inst["text_start"].to_numpy(), inst["text_end"].to_numpy()]).astype(np.float64)
        self.message = inst["message_id"].fill_null("").cast(pl.Categorical).to_physical().to_numpy().astype(np.int64)

    def __call__(self, g: Ints, p: Ints) -> Floats:
        iou = np.zeros(len(g))
        kind = self.kind[g]
        spans = np.flatnonzero(np.isin(kind, [KINDS.index("text_span"), KINDS.index("conversational_span")]))
        if spans.size:
            iou[spans] = span_iou(self.spans, self.message, g[spans], p[spans])
        rest = np.flatnonzero(np.isin(kind, [KINDS.index(k) for k in _SHAPES]))
        if rest.size:
            iou[rest] = shape_iou(self.shapes[g[rest]], self.shapes[p[rest]])
        return iou
