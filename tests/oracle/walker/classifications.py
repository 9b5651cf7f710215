"""Classifications, flattened to one row per answer at every depth.

A question carries exactly one answer form: ``radio_answer`` (one answer), ``checklist_answers``
(each checked option), ``text_answer`` (``{content}``), or their ``conversational_*`` twins on
message-scoped questions. Answers carry ``classifications`` recursively. A question with none of
these forms still gets a row, ``answer_kind = 'unknown'``, with the whole question in ``extra``.

A question without ``feature_id`` gets ``<parent>#<i>``: its 0-based position in its list after the
feature id of the answer, object or relationship holding it (nothing at the top). A radio or
checklist answer without one gets ``<question id>#<j>`` (text answers have none).
"""

from __future__ import annotations

from typing import Any

from .errors import STRUCTURAL_ERRORS, FieldError, as_field_error, json_type
from .values import METRIC_FIELDS, item_extras, merge_extra, unknown_fields

Row = tuple[Any, ...]

_QUESTION_FIELDS = frozenset({
    "feature_id", "feature_schema_id", "name", "value", "message_id", "confidence", "custom_metrics",
    "radio_answer", "checklist_answers", "text_answer",
    "conversational_radio_answer", "conversational_checklist_answers", "conversational_text_answer",
})
_ANSWER_FIELDS = frozenset({
    "feature_id", "feature_schema_id", "name", "value", "classifications", "confidence",
    "custom_metrics", "content",
})


_SCORES = frozenset({"confidence", "custom_metrics"})  # on a question, or on each of its answers

# (field, answer kind, holds one answer rather than a list), in the order a question is read.
ANSWER_FORMS = (
    ("radio_answer", "radio", True),
    ("checklist_answers", "checklist", False),
    ("text_answer", "text", True),
    ("conversational_radio_answer", "radio", True),
    ("conversational_checklist_answers", "checklist", False),
    ("conversational_text_answer", "text", True),
)


def _answers(q: dict[str, Any]) -> tuple[str, Any, str]:
    """(answer kind, list of answers, the field they came from). A checklist with no option checked
    is one row with null answer columns, so that the question is not lost."""
    for key, kind, single in ANSWER_FORMS:
        found = q.get(key)
        if found is not None:
            if single:
                return kind, (found,), key
            if type(found) is not list:
                raise FieldError(key, f"expected an array, got {json_type(found)}")
            return kind, found or (None,), key
    return "unknown", (None,), ""


def walk_classifications(
    items: list[dict[str, Any]],
    out: list[Row],
    ref: tuple[Any, ...],
    frame: int | None,
    group: str | None,
    object_feature_id: str | None,
    parent_feature_id: str | None,
    depth: int,
    prefix: str | None,
    line_number: int,
    field: str = "classifications",
) -> None:
    """Append one row per answer of ``items`` (and everything nested under them) to ``out``.

    ``ref`` is (data_row_id, source, label_id); ``prefix`` the path of the enclosing answer;
    ``field`` the name ``items`` has in the line, which error paths start from.
    """
    if not isinstance(items, list):
        raise FieldError(field, f"expected an array, got {json_type(items)}")
    for i, q in enumerate(items):
        try:
            qget = q.get
            qname = qget("name")
            qid = qget("feature_id")
            if qid is None:
                qid = f"{parent_feature_id or ''}#{i}"
            path = (qname or qid) if prefix is None else f"{prefix}/{qname}"
            kind, answers, answer_key = _answers(q)
            q_extra = dict(q) if kind == "unknown" else (
                None if q.keys() <= _QUESTION_FIELDS else unknown_fields(q, _QUESTION_FIELDS))
            q_scores = _SCORES.intersection(q)
            for j, a in enumerate(answers):
                try:
                    real = a is not None
                    if not real:
                        a = {}
                    aget = a.get
                    confidence = aget("confidence", qget("confidence"))
                    metrics = aget("custom_metrics", qget("custom_metrics"))
                    # The answer's own score wins; the question's, then, is kept in extra.
                    shadowed = {k: q[k] for k in q_scores if k in a} if q_scores else None
                    extra = None if (q_extra is None and a.keys() <= _ANSWER_FIELDS and not metrics
                                     and not shadowed) else merge_extra(
                        question=(q_extra or {}) | shadowed if shadowed else q_extra,
                        answer=unknown_fields(a, _ANSWER_FIELDS),
                        **(item_extras(metrics, METRIC_FIELDS, "custom_metrics") or {}))
                    answer_fid = aget("feature_id")
                    if answer_fid is None and kind != "text" and real:
                        answer_fid = f"{qid}#{j}"
                    out.append((
                        *ref, frame, group, object_feature_id, qget("message_id"), parent_feature_id,
                        qid, qget("feature_schema_id"), qname, qget("value"),
                        kind, answer_fid, aget("feature_schema_id"), aget("name"), aget("value"),
                        aget("content") if kind == "text" else None,
                        confidence, metrics, depth, path, None, None,
                        extra, line_number,
                    ))
                    nested = aget("classifications")
                    if nested:
                        walk_classifications(nested, out, ref, frame, group, object_feature_id, answer_fid,
                                             depth + 1, f"{path}/{aget('name')}", line_number)
                except STRUCTURAL_ERRORS as exc:
                    at = f"{answer_key}[{j}]" if kind == "checklist" else answer_key
                    raise as_field_error(exc, at) from None
        except STRUCTURAL_ERRORS as exc:
            raise as_field_error(exc, f"{field}[{i}]") from None
