//! Classifications, one row per answer at every depth. A question carries one answer form:
//! `radio_answer`, `checklist_answers` (each checked option), `text_answer` (`{content}`), or their
//! `conversational_*` twins. Answers carry `classifications` recursively. A question with no form
//! still gets a row, `answer_kind = 'unknown'`, with the whole question in `extra`.

use super::emit::{Emit, Ref};
use super::errors::{want_object, At, FieldError, Walk};
use super::labels::METRIC_FIELDS;
use super::values::{all_known, py_str, Extra};
use crate::json::Node;
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
#[derive(Clone)]
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

static EMPTY: Node<'static> = Node::Obj(&[]);

/// One row per answer of `items` and everything nested under them. `field` is the name `items`
/// has in the line (error paths start from it); `prefix` the path of the enclosing answer.
pub fn walk_classifications<'n>(
    items: &'n Node<'n>,
    em: &mut Emit<'_>,
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
        question(q, em, r, &scope, prefix).at_with(|| format!("{field}[{i}]"))?;
    }
    Ok(())
}

fn question<'n>(q: &'n Node<'n>, em: &mut Emit<'_>, r: &Ref<'n>, scope: &Scope<'n>, prefix: Option<&str>) -> Walk {
    if q.fields().is_none() {
        return Err(want_object(q));
    }
    let qname = q.get("name");
    let mut path = String::new();
    match prefix {
        None => {
            let named = qname
                .filter(|n| n.truthy())
                .or_else(|| q.get("feature_id").filter(|f| f.truthy()));
            match named {
                Some(Node::Str(s)) => path.push_str(s),
                Some(other) => py_str(Some(other), &mut path),
                None => path.push('?'),
            }
        }
        Some(p) => {
            path.push_str(p);
            path.push('/');
            py_str(qname, &mut path);
        }
    }
    let form = ANSWER_FORMS
        .iter()
        .find_map(|(key, kind, single)| q.get(key).filter(|v| !v.is_null()).map(|v| (*key, *kind, *single, v)));
    let (answer_key, kind, answers): (&str, &str, Answers<'n>) = match form {
        None => ("", "unknown", Answers::One(&EMPTY)),
        Some((key, kind, true, v)) => (key, kind, Answers::One(v)),
        Some((key, kind, false, v)) => (key, kind, Answers::many(v, key)?),
    };
    let whole_question = kind == "unknown";
    let q_known = whole_question || all_known(q, &QUESTION_FIELDS);
    let answers: &[Node<'n>] = match &answers {
        Answers::One(a) => std::slice::from_ref(*a),
        Answers::Many(items) => items,
    };
    for (j, a) in answers.iter().enumerate() {
        answer(a, q, qname, kind, whole_question, q_known, &path, em, r, scope).at_with(|| {
            if kind == "checklist" {
                format!("{answer_key}[{j}]")
            } else {
                answer_key.to_string()
            }
        })?;
    }
    Ok(())
}

enum Answers<'n> {
    One(&'n Node<'n>),
    Many(&'n [Node<'n>]),
}

impl<'n> Answers<'n> {
    /// A checklist's answers as Python iterates them: a list's items; a dict's keys or a string's
    /// characters (the first is refused as an answer); not iterable otherwise.
    fn many(v: &'n Node<'n>, key: &str) -> Walk<Self> {
        match v {
            Node::Arr(items) => Ok(Answers::Many(items)),
            Node::Obj([]) => Ok(Answers::Many(&[])),
            Node::Str("") => Ok(Answers::Many(&[])),
            Node::Obj(_) | Node::Str(_) => {
                Err(FieldError::new(format!("{key}[0]"), "expected an object, got a string"))
            }
            other => Err(FieldError::new(
                "",
                format!("expected an array, got {}", other.json_type()),
            )),
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn answer<'n>(
    a: &'n Node<'n>,
    q: &'n Node<'n>,
    qname: Option<&'n Node<'n>>,
    kind: &'static str,
    whole_question: bool,
    q_known: bool,
    path: &str,
    em: &mut Emit<'_>,
    r: &Ref<'n>,
    scope: &Scope<'n>,
) -> Walk {
    let a = if a.is_null() { &EMPTY } else { a }; // a checklist's null answer reads as {}
    if a.fields().is_none() {
        return Err(want_object(a));
    }
    let a_known = all_known(a, &ANSWER_FIELDS);
    // dict.get(key, default): a present key wins even when null.
    let confidence = a.get("confidence").or_else(|| q.get("confidence"));
    let metrics = a.get("custom_metrics").or_else(|| q.get("custom_metrics"));
    let any_metrics = metrics.filter(|m| m.truthy());
    let extra = if q_known && !whole_question && a_known && any_metrics.is_none() {
        None
    } else {
        let mut e = Extra::default();
        if whole_question {
            e.value("question", Some(q));
        } else {
            e.unknown("question", q, &QUESTION_FIELDS);
        }
        e.unknown("answer", a, &ANSWER_FIELDS);
        e.items("custom_metrics", any_metrics, &METRIC_FIELDS);
        e.finish()
    };
    let answer_fid = a.get("feature_id");
    let row = ClassificationRow {
        label_ref: r.row(),
        frame: scope.frame.clone(),
        dicom_group: Cell::opt_str(scope.group),
        object_feature_id: scope.object_feature_id.clone(),
        message_id: Cell::of(q.get("message_id")),
        parent_feature_id: scope.parent_feature_id.clone(),
        question_feature_id: Cell::of(q.get("feature_id")),
        question_schema_id: Cell::of(q.get("feature_schema_id")),
        question_name: Cell::of(qname),
        question_value: Cell::of(q.get("value")),
        answer_kind: Cell::Str(kind),
        answer_feature_id: Cell::of(answer_fid),
        answer_schema_id: Cell::of(a.get("feature_schema_id")),
        answer_name: Cell::of(a.get("name")),
        answer_value: Cell::of(a.get("value")),
        text_content: if kind == "text" {
            Cell::of(a.get("content"))
        } else {
            Cell::Null
        },
        confidence: Cell::of(confidence),
        custom_metrics: Cell::of(metrics),
        depth: Cell::Int(scope.depth),
        path: Cell::Str(path),
        segments: Cell::Null,
        keyframes: Cell::Null,
        tail: TailRow {
            extra: extra.map_or(Cell::Null, Cell::Text),
            line_number: Cell::Int(r.line),
        },
    };
    em.classification(&row);
    if let Some(nested) = a.get("classifications").filter(|n| n.truthy()) {
        let mut child = String::with_capacity(path.len() + 16);
        child.push_str(path);
        child.push('/');
        py_str(a.get("name"), &mut child);
        let inner = Scope {
            parent_feature_id: Cell::of(answer_fid),
            depth: scope.depth + 1,
            ..scope.clone()
        };
        walk_classifications(nested, em, r, inner, Some(&child), "classifications")?;
    }
    Ok(())
}
