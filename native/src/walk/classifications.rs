//! Classifications, one row per answer at every depth. A question carries one answer form:
//! `radio_answer`, `checklist_answers` (each checked option; none checked is one row with null
//! answer columns), `text_answer` (`{content}`), or their `conversational_*` twins. Answers carry
//! `classifications` recursively. A question with no form still gets a row, `answer_kind =
//! 'unknown'`, with the whole question in `extra`.
//!
//! A question without `feature_id` gets `<parent>#<i>` (its position after the id of the answer,
//! object or relationship holding it); a radio or checklist answer without one gets
//! `<question id>#<j>`. Rows are collected per label (its frame ranges may be attached to them
//! once the video is walked) and appended when the label is done.

use super::emit::Ref;
use super::errors::{want_object, At, FieldError, Walk};
use super::labels::METRIC_FIELDS;
use super::values::{all_known, py_str, Extra};
use std::fmt::Write as _;

use bumpalo::collections::String as ArenaString;

use crate::json::{Node, Out};
use crate::tables::{Cell, ClassificationRow, TailRow};

const QUESTION_FIELDS: [&str; 13] = [
    "feature_id",
    "feature_schema_id",
    "name",
    "value",
    "message_id",
    "confidence",
    "custom_metrics",
    "radio_answer",
    "checklist_answers",
    "text_answer",
    "conversational_radio_answer",
    "conversational_checklist_answers",
    "conversational_text_answer",
];
const ANSWER_FIELDS: [&str; 8] = [
    "feature_id",
    "feature_schema_id",
    "name",
    "value",
    "classifications",
    "confidence",
    "custom_metrics",
    "content",
];
/// Scores a question and each of its answers may both carry (the answer's wins).
const SCORES: [&str; 2] = ["confidence", "custom_metrics"];

/// (field, answer kind, holds one answer rather than a list), in the order a question is read.
const ANSWER_FORMS: [(&str, &str, bool); 6] = [
    ("radio_answer", "radio", true),
    ("checklist_answers", "checklist", false),
    ("text_answer", "text", true),
    ("conversational_radio_answer", "radio", true),
    ("conversational_checklist_answers", "checklist", false),
    ("conversational_text_answer", "text", true),
];

/// Where a list of questions sits: its frame, DICOM view, object and parent answer.
#[derive(Clone, Copy)]
pub struct Scope<'n> {
    pub frame: Cell<'n>,
    pub group: Option<&'n str>,
    pub object_feature_id: Cell<'n>,
    pub parent_feature_id: Cell<'n>,
    pub depth: i64,
}

impl Scope<'_> {
    pub fn top() -> Self {
        Scope {
            frame: Cell::Null,
            group: None,
            object_feature_id: Cell::Null,
            parent_feature_id: Cell::Null,
            depth: 0,
        }
    }
}

/// A label's classification rows, in walk order, before they are appended.
pub type Rows<'n> = Vec<ClassificationRow<'n>>;

static EMPTY: Node<'static> = Node::Obj(&[]);
static NO_ANSWER: Node<'static> = Node::Null;

/// The text of an id cell (`parent or ''` in Python's `f"{parent or ''}#{i}"`).
pub fn id_text<W: Out>(cell: &Cell<'_>, out: &mut W) {
    match cell {
        Cell::Null | Cell::Json(Node::Null) => {}
        Cell::Str(s) => out.push_str(s),
        Cell::Text(s) => out.push_str(s),
        Cell::Json(n) if n.truthy() => py_str(Some(n), out),
        _ => {}
    }
}

/// One row per answer of `items` and everything nested under them. `field` is the name `items`
/// has in the line (error paths start from it); `prefix` the path of the enclosing answer.
pub fn walk_classifications<'n>(
    items: &'n Node<'n>,
    out: &mut Rows<'n>,
    r: &Ref<'n>,
    scope: Scope<'n>,
    prefix: Option<&str>,
    field: &str,
) -> Walk {
    let Node::Arr(items) = items else {
        return Err(FieldError::new(
            field,
            format!("expected an array, got {}", items.json_type()),
        ));
    };
    for (i, q) in items.iter().enumerate() {
        question(q, i, out, r, &scope, prefix).at_with(|| format!("{field}[{i}]"))?;
    }
    Ok(())
}

fn question<'n>(
    q: &'n Node<'n>,
    i: usize,
    out: &mut Rows<'n>,
    r: &Ref<'n>,
    scope: &Scope<'n>,
    prefix: Option<&str>,
) -> Walk {
    if q.fields().is_none() {
        return Err(want_object(q));
    }
    let qname = q.get("name");
    let qid: Cell<'n> = match q.get("feature_id") {
        Some(id) if !id.is_null() => Cell::Json(id),
        _ => {
            let mut id = ArenaString::new_in(r.arena);
            id_text(&scope.parent_feature_id, &mut id);
            let _ = write!(id, "#{i}");
            Cell::Text(id.into_bump_str())
        }
    };
    let mut path = ArenaString::with_capacity_in(64, r.arena);
    match prefix {
        None => match qname.filter(|n| n.truthy()) {
            Some(Node::Str(s)) => path.push_str(s),
            Some(other) => py_str(Some(other), &mut path),
            None => id_text(&qid, &mut path),
        },
        Some(p) => {
            path.push_str(p);
            path.push('/');
            py_str(qname, &mut path);
        }
    }
    let path = path.into_bump_str();
    let form = ANSWER_FORMS
        .iter()
        .find_map(|(key, kind, single)| q.get(key).filter(|v| !v.is_null()).map(|v| (*key, *kind, *single, v)));
    let (answer_key, kind, answers): (&str, &str, &'n [Node<'n>]) = match form {
        None => ("", "unknown", std::slice::from_ref(&NO_ANSWER)),
        Some((key, kind, true, v)) => (key, kind, std::slice::from_ref(v)),
        Some((key, kind, false, Node::Arr([]))) => (key, kind, std::slice::from_ref(&NO_ANSWER)),
        Some((key, kind, false, Node::Arr(items))) => (key, kind, items),
        Some((key, _, false, other)) => {
            return Err(FieldError::new(
                key,
                format!("expected an array, got {}", other.json_type()),
            ))
        }
    };
    let whole_question = kind == "unknown";
    let q_known = whole_question || all_known(q, &QUESTION_FIELDS);
    for (j, a) in answers.iter().enumerate() {
        let ctx = Question {
            q,
            qname,
            qid: &qid,
            kind,
            whole_question,
            q_known,
            path,
        };
        answer(a, j, &ctx, out, r, scope).at_with(|| {
            if kind == "checklist" {
                format!("{answer_key}[{j}]")
            } else {
                answer_key.to_string()
            }
        })?;
    }
    Ok(())
}

struct Question<'q, 'n> {
    q: &'n Node<'n>,
    qname: Option<&'n Node<'n>>,
    qid: &'q Cell<'n>,
    kind: &'static str,
    whole_question: bool,
    q_known: bool,
    path: &'n str,
}

fn answer<'n>(
    a: &'n Node<'n>,
    j: usize,
    c: &Question<'_, 'n>,
    out: &mut Rows<'n>,
    r: &Ref<'n>,
    scope: &Scope<'n>,
) -> Walk {
    let q = c.q;
    let real = !a.is_null();
    let a = if real { a } else { &EMPTY }; // no answer (unknown form, nothing checked) reads as {}
    if a.fields().is_none() {
        return Err(want_object(a));
    }
    // dict.get(key, default): a present key wins even when null.
    let confidence = a.get("confidence").or_else(|| q.get("confidence"));
    let metrics = a.get("custom_metrics").or_else(|| q.get("custom_metrics"));
    let any_metrics = metrics.filter(|m| m.truthy());
    // The answer's own score wins; the question's is then kept in extra.
    let shadowed = SCORES.iter().any(|k| q.get(k).is_some() && a.get(k).is_some());
    let extra = if c.q_known && !c.whole_question && all_known(a, &ANSWER_FIELDS) && any_metrics.is_none() && !shadowed
    {
        None
    } else {
        let mut e = Extra::default();
        if c.whole_question {
            e.question_with_shadowed(q, None, a);
        } else {
            e.question_with_shadowed(q, Some(&QUESTION_FIELDS), a);
        }
        e.unknown("answer", a, &ANSWER_FIELDS);
        e.items("custom_metrics", any_metrics, &METRIC_FIELDS);
        e.finish()
    };
    let answer_fid: Cell<'n> = match a.get("feature_id") {
        Some(id) if !id.is_null() => Cell::Json(id),
        _ if c.kind != "text" && real => {
            let mut id = ArenaString::new_in(r.arena);
            id_text(c.qid, &mut id);
            let _ = write!(id, "#{j}");
            Cell::Text(id.into_bump_str())
        }
        _ => Cell::of(a.get("feature_id")),
    };
    out.push(ClassificationRow {
        label_ref: r.row(),
        frame: scope.frame,
        dicom_group: Cell::opt_str(scope.group),
        object_feature_id: scope.object_feature_id,
        message_id: Cell::of(q.get("message_id")),
        parent_feature_id: scope.parent_feature_id,
        question_feature_id: *c.qid,
        question_schema_id: Cell::of(q.get("feature_schema_id")),
        question_name: Cell::of(c.qname),
        question_value: Cell::of(q.get("value")),
        answer_kind: Cell::Str(c.kind),
        answer_feature_id: answer_fid,
        answer_schema_id: Cell::of(a.get("feature_schema_id")),
        answer_name: Cell::of(a.get("name")),
        answer_value: Cell::of(a.get("value")),
        text_content: if c.kind == "text" {
            Cell::of(a.get("content"))
        } else {
            Cell::Null
        },
        confidence: Cell::of(confidence),
        custom_metrics: Cell::of(metrics),
        depth: Cell::Int(scope.depth),
        path: Cell::Text(c.path),
        segments: Cell::Null,
        keyframes: Cell::Null,
        tail: TailRow {
            extra: extra.map_or(Cell::Null, |t| Cell::text_in(r.arena, &t)),
            line_number: Cell::Int(r.line),
        },
    });
    if let Some(nested) = a.get("classifications").filter(|n| n.truthy()) {
        let mut child = ArenaString::with_capacity_in(c.path.len() + 16, r.arena);
        child.push_str(c.path);
        child.push('/');
        py_str(a.get("name"), &mut child);
        let child = child.into_bump_str();
        let inner = Scope {
            parent_feature_id: answer_fid,
            depth: scope.depth + 1,
            ..*scope
        };
        walk_classifications(nested, out, r, inner, Some(child), "classifications")?;
    }
    Ok(())
}
