//! Lines the walk refuses: errors that name the JSON path, values their column cannot hold, and
//! input that must be quarantined rather than crash.

use super::*;

#[test]
fn errors_name_the_json_path() {
    let cases = [
        (
            r#"{"objects":[{"bounding_box":{"left":1}}]}"#,
            format!("{PREFIX}.annotations.objects[0].bounding_box"),
        ),
        (
            r#"{"objects":[{"polygon":{"x":1}}]}"#,
            format!("{PREFIX}.annotations.objects[0].polygon"),
        ),
        (r#"{"frames":{"x1":{}}}"#, format!("{PREFIX}.annotations.frames.x1")),
        (
            r#"{"frames":{"1":{"objects":{"o":{"confidence":"high"}}}}}"#,
            format!("{PREFIX}.annotations.frames.1.objects.o.confidence"),
        ),
        (
            r#"{"classifications":[{"name":"q","checklist_answers":"ab"}]}"#,
            format!("{PREFIX}.annotations.classifications[0].checklist_answers"),
        ),
        (
            r#"{"classifications":[{"radio_answer":{"classifications":[{"radio_answer":5}]}}]}"#,
            format!("{PREFIX}.annotations.classifications[0].radio_answer.classifications[0].radio_answer"),
        ),
        (
            r#"{"segments":{"t":[[1]]},"frames":{}}"#,
            format!("{PREFIX}.annotations.segments.t"),
        ),
        (
            r#"{"groups":{"Axial":[]}}"#,
            format!("{PREFIX}.annotations.groups.Axial"),
        ),
        (
            r#"{"relationships":[3]}"#,
            format!("{PREFIX}.annotations.relationships[0]"),
        ),
        (r#""text""#, PREFIX.to_string()),
    ];
    for (ann, path) in cases {
        let out = walk(&[&line_with(ann)], &WalkOptions::default());
        assert_eq!(only_field(&out).0, path, "{ann}");
        assert!(out.partitions.is_empty(), "a quarantined line leaves no rows");
    }
    let top = [
        (r#"[1]"#, ""),
        (r#"{"data_row":{"id":""}}"#, "data_row.id"),
        (
            r#"{"data_row":{"id":"d","details":{"created_at":"yesterday"}}}"#,
            "data_row.details.created_at",
        ),
        (r#"{"data_row":{"id":"d"},"attachments":[1]}"#, "attachments"),
        (r#"{"data_row":{"id":"d"}}"#, "models"),
        (
            r#"{"data_row":{"id":"d"},"models":{"m":{"model_runs":{"../x":{}}}}}"#,
            "models.m.model_runs.../x",
        ),
        (
            r#"{"data_row":{"id":"d"},"experiments":{"m":{}}}"#,
            "experiments.m.runs",
        ),
    ];
    for (line, path) in top {
        let out = walk(&[line], &WalkOptions::default());
        assert_eq!(only_field(&out).0, path, "{line}");
    }
}

#[test]
fn a_value_its_column_cannot_hold_names_the_column_and_the_value() {
    let long = "é".repeat(100);
    let long_top = format!(r#"{{"objects":[{{"bounding_box":{{"top":"{long}","left":1,"height":1,"width":1}}}}]}}"#);
    for (ann, column, value, kind) in [
        (
            r#"{"objects":[{"location":{"start":9223372036854775808}}]}"#,
            "objects.text_start",
            "9223372036854775808",
            "int64",
        ),
        (
            r#"{"objects":[{"bounding_box":{"top":1,"left":1,"height":1,"width":1},"page_number":2147483648}]}"#,
            "objects.page_number",
            "2147483648",
            "int32",
        ),
        // Python's strict check passed this and Arrow refused it, failing the whole flatten.
        (
            r#"{"objects":[{"bounding_box":{"top":9007199254740993,"left":1,"height":1,"width":1}}]}"#,
            "objects.bbox_top",
            "9007199254740993",
            "double",
        ),
        (
            r#"{"objects":[{"bounding_box":{"top":"not a number","left":1,"height":1,"width":1}}]}"#,
            "objects.bbox_top",
            "'not a number'",
            "double",
        ),
        (
            r#"{"objects":[{"point":{"x":true,"y":1}}]}"#,
            "objects.point_x",
            "True",
            "double",
        ),
        (r#"{"objects":[{"name":5}]}"#, "objects.name", "5", "string"),
        (
            r#"{"objects":[{"name":{"it's":[1.5e-7,null]}}]}"#,
            "objects.name",
            r#"{"it's": [1.5e-07, None]}"#,
            "string",
        ),
        // Python's `{value!r:.80}`: the repr cut to 80 characters (not bytes).
        (&long_top, "objects.bbox_top", &format!("'{}", "é".repeat(79)), "double"),
        (
            r#"{"classifications":[{"name":"q","radio_answer":{"name":"a","confidence":"x"}}]}"#,
            "classifications.confidence",
            "'x'",
            "double",
        ),
    ] {
        let out = walk(&[&line_with(ann)], &WalkOptions::default());
        assert_eq!(out.quarantine.len(), 1, "{ann}");
        let (field, reason) = only_field(&out);
        assert_eq!(field, column, "{ann}");
        let want = format!("column {column}: {value} is not a valid value for this column's type ({kind})");
        assert_eq!(reason, want);
        assert_eq!(out.quarantine[0].runs, [RUN]);
        assert!(out.partitions.is_empty());
    }
    // Digits beyond int64 are quoted as the line has them.
    let exif = r#"{"data_row":{"id":"dr1"},"media_attributes":{"exif_rotation":"99999999999999999999"},"experiments":{"m1":{"runs":{"run-1":{}}}}}"#;
    let out = walk(&[exif], &WalkOptions::default());
    assert_eq!(
        only_field(&out),
        (
            "data_rows.exif_rotation",
            "column data_rows.exif_rotation: '99999999999999999999' is not a valid value for this column's type (int32)"
        )
    );
    let out = walk(
        &[&line_with(r#"{"objects":[{"polygon":["xy"]}]}"#)],
        &WalkOptions::default(),
    );
    let (field, reason) = only_field(&out);
    assert_eq!(field, "objects.points");
    assert!(
        reason.starts_with("column objects.points: ['xy'] is not a valid value"),
        "{reason}"
    );
    // An integral float fits an integer column; a fraction does not.
    let ok = walk(
        &[&line_with(r#"{"objects":[{"location":{"start":3.0}}]}"#)],
        &WalkOptions::default(),
    );
    assert!(ok.quarantine.is_empty());
    let bad = walk(
        &[&line_with(r#"{"objects":[{"location":{"start":3.5}}]}"#)],
        &WalkOptions::default(),
    );
    assert_eq!(only_field(&bad).0, "objects.text_start");
}

#[test]
fn a_quarantined_line_takes_back_its_rows_only() {
    let good = line_with(r#"{"objects":[{"point":{"x":1,"y":2}}]}"#);
    let bad = line_with(r#"{"objects":[{"point":{"x":1,"y":2}},{"point":{"x":1}}]}"#);
    let mut out = walk(&[&good, &bad, &good], &WalkOptions::default());
    assert_eq!(out.quarantine[0].line, 2);
    assert_eq!(out.quarantine[0].raw, bad.as_bytes());
    assert_eq!(tables(&mut out, RUN).map(|b| b.num_rows()), [2, 2, 2, 0, 0, 0]);
}

#[test]
fn deep_nesting_is_quarantined_not_a_crash() {
    let mut ann = String::from(r#"{"name":"leaf","text_answer":{"content":"x"}}"#);
    for _ in 0..400 {
        // three JSON levels per answer: past the parser's depth limit
        ann = format!(r#"{{"name":"q","radio_answer":{{"name":"a","classifications":[{ann}]}}}}"#);
    }
    let out = walk(
        &[&line_with(&format!(r#"{{"classifications":[{ann}]}}"#))],
        &WalkOptions::default(),
    );
    let (field, reason) = only_field(&out);
    assert_eq!(field, "");
    assert!(reason.starts_with("nested more than 1024 levels deep"), "{reason}");
}

#[test]
fn garbage_never_panics() {
    let mut out = ChunkOutput::default();
    let inputs: [&[u8]; 6] = [
        b"\xff\xfe{",
        b"{\"data_row\":",
        b"null",
        b"\"\\ud800\"",
        b"1e999",
        b"{\"a\":1}\x00",
    ];
    for (i, input) in inputs.iter().enumerate() {
        walk_chunk(input, i as u64 + 1, &WalkOptions::default(), &mut out);
    }
    assert_eq!(out.quarantine.len(), inputs.len());
    assert!(out.quarantine.iter().all(|q| !q.reason.is_empty()));
}
