//! One test per rule, on small rows (and the seed fixture in both export shapes).

mod errors;

use arrow_array::RecordBatch;

use super::*;
use crate::tables::render::{cell, row_json};
use crate::tables::TABLE_NAMES;

const RUN: &str = "run-1";

/// Walk `lines` (joined by '\n') and return the output.
fn walk(lines: &[&str], opts: &WalkOptions) -> ChunkOutput {
    let buf = lines.join("\n");
    let mut out = ChunkOutput::default();
    walk_chunk(buf.as_bytes(), 1, opts, &mut out);
    out
}

/// A line with one label whose annotations are `ann` (JSON), in the experiments shape.
fn line_with(ann: &str) -> String {
    format!(
        r#"{{"data_row":{{"id":"dr1"}},"experiments":{{"m1":{{"name":"model","runs":{{"{RUN}":{{"name":"run","labels":[{{"id":"l1","annotations":{ann}}}]}}}}}}}}}}"#
    )
}

fn tables(out: &mut ChunkOutput, run: &str) -> [RecordBatch; 6] {
    out.partitions.get_mut(run).expect("partition").finish()
}

fn only_field(out: &ChunkOutput) -> (&str, &str) {
    assert_eq!(out.quarantine.len(), 1, "{:?}", out.quarantine);
    (&out.quarantine[0].field, &out.quarantine[0].reason)
}

const PREFIX: &str = "experiments.m1.runs.run-1.labels[0]";

#[test]
fn seed_fixture_lands_alike_in_both_shapes() {
    let fixture = include_str!("../../../../lb_export_pipeline/emulator/fixtures/seed_export.ndjson");
    let models: Vec<&str> = fixture.lines().collect();
    let experiments: Vec<String> = models
        .iter()
        .map(|l| {
            l.replace("\"models\":", "\"experiments\":")
                .replace("\"model_runs\":", "\"runs\":")
                .replace("\"model_name\":", "\"name\":")
                .replace("\"model_run_name\":", "\"name\":")
        })
        .collect();
    let mut a = walk(&models, &WalkOptions::default());
    let mut b = walk(
        &experiments.iter().map(String::as_str).collect::<Vec<_>>(),
        &WalkOptions::default(),
    );
    assert!(a.quarantine.is_empty() && b.quarantine.is_empty(), "{:?}", a.quarantine);
    assert_eq!(a.lines, 5);
    assert_eq!(
        a.partitions.keys().collect::<Vec<_>>(),
        b.partitions.keys().collect::<Vec<_>>()
    );
    let runs: Vec<String> = a.partitions.keys().cloned().collect();
    let mut total = [0; 6];
    for run in runs {
        let (ta, tb) = (tables(&mut a, &run), tables(&mut b, &run));
        for t in 0..6 {
            assert_eq!(ta[t].num_rows(), tb[t].num_rows());
            total[t] += ta[t].num_rows();
            for i in 0..ta[t].num_rows() {
                assert_eq!(row_json(&ta[t], i), row_json(&tb[t], i), "{} row {i}", TABLE_NAMES[t]);
            }
        }
    }
    // The Python walker's counts for the fixture (tests/flatten/test_seed_tables.py).
    assert_eq!(total[0], 5);
    assert!(total[2] > 0 && total[4] > 0);
}

#[test]
fn bounding_box_on_a_page_and_unknown_fields_in_extra() {
    let ann = r#"{"objects":[{"feature_id":"o1","name":"box","annotation_kind":"DocumentBoundingBox","bounding_box":{"top":1,"left":2.5,"height":3,"width":4},"page_number":2,"page_dimensions":{"width":612,"height":792},"zeta":{"b":1e-7,"a":"é\n"}}]}"#;
    let mut out = walk(&[&line_with(ann)], &WalkOptions::default());
    assert!(out.quarantine.is_empty(), "{:?}", out.quarantine);
    let t = tables(&mut out, RUN);
    assert_eq!(cell(&t[2], "geometry_kind", 0), "\"bounding_box\"");
    assert_eq!(cell(&t[2], "bbox_top", 0), "1.0");
    assert_eq!(cell(&t[2], "bbox_left", 0), "2.5");
    assert_eq!(cell(&t[2], "page_number", 0), "2");
    assert_eq!(cell(&t[2], "page_height", 0), "792.0");
    // orjson's text: key order kept, no spaces, floats as orjson writes them.
    assert_eq!(
        cell(&t[2], "extra", 0),
        r#""{\"object\":{\"zeta\":{\"b\":1e-7,\"a\":\"é\\n\"}}}""#
    );
    assert_eq!(cell(&t[1], "object_count", 0), "1");
}

#[test]
fn every_geometry_kind_reads_its_key() {
    let ann = r#"{"objects":[
        {"feature_id":"a","polygon":[{"x":1,"y":2},{"x":3,"y":4}]},
        {"feature_id":"b","point":{"x":5,"y":6}},
        {"feature_id":"c","line":[{"x":1,"y":1}]},
        {"feature_id":"d","composite_mask":{"url":"u","color_rgb":[1,2,3]}},
        {"feature_id":"e","mask":{"url":"m"}},
        {"feature_id":"f","location":{"start":3,"end":9,"token":"hello"}},
        {"feature_id":"g","location":{"groups":[{"id":"t","page_number":4,"tokens":["x"],"text":"one"},{"text":"two"}]}},
        {"feature_id":"h","geojson":{"type":"Point","coordinates":[1.5,2]}},
        {"feature_id":"i","conversational_location":{"message_id":"m1","location":{"start":0,"end":2}}},
        {"feature_id":"j","selected_message":{"message_id":"m2","parent_message_id":"p"}},
        {"feature_id":"k","selected_messages":{"messages":[{"message_id":"a"},{"message_id":"b"}]}},
        {"feature_id":"l","ranked_messages":{"ranked_messages":[{"message_id":"x","order":2},{"message_id":"n"},{"message_id":"y","order":1}]}}
    ]}"#
    .replace('\n', "");
    let mut out = walk(&[&line_with(&ann)], &WalkOptions::default());
    assert!(out.quarantine.is_empty(), "{:?}", out.quarantine);
    let o = &tables(&mut out, RUN)[2];
    let col = |name: &str| (0..o.num_rows()).map(|i| cell(o, name, i)).collect::<Vec<_>>();
    assert_eq!(
        col("geometry_kind"),
        [
            "\"polygon\"",
            "\"point\"",
            "\"line\"",
            "\"mask\"",
            "\"mask\"",
            "\"text_span\"",
            "\"document_tokens\"",
            "\"geojson\"",
            "\"conversational_span\"",
            "\"message_selection\"",
            "\"message_selection\"",
            "\"message_selection\""
        ]
    );
    assert_eq!(col("points")[0], r#"[{"x":1.0,"y":2.0},{"x":3.0,"y":4.0}]"#);
    assert_eq!(col("mask_color_rgb")[3], "[1,2,3]");
    assert_eq!(col("text")[6], "\"one two\"");
    assert_eq!(col("page_number")[6], "4");
    assert_eq!(col("geojson")[7], r#""{\"type\":\"Point\",\"coordinates\":[1.5,2]}""#);
    assert_eq!(col("message_id")[8], "\"m1\"");
    assert_eq!(col("message_ids")[9], r#"["m2"]"#);
    assert_eq!(col("message_ids")[10], r#"["a","b"]"#);
    // Ranked by order, unordered ones last.
    assert_eq!(col("message_ids")[11], r#"["y","x","n"]"#);
}

#[test]
fn nested_classifications_at_every_depth() {
    let ann = r#"{"classifications":[{"feature_id":"q1","name":"color","radio_answer":{"feature_id":"a1","name":"red","classifications":[{"feature_id":"q2","name":"shade","checklist_answers":[{"feature_id":"a2","name":"dark"},{"feature_id":"a3","name":"matte","classifications":[{"name":"note","text_answer":{"content":"hi"}}]}]}]}},{"feature_id":"q9","name":"odd","mystery":1}]}"#;
    let mut out = walk(&[&line_with(ann)], &WalkOptions::default());
    assert!(out.quarantine.is_empty(), "{:?}", out.quarantine);
    let c = &tables(&mut out, RUN)[3];
    let col = |name: &str| (0..c.num_rows()).map(|i| cell(c, name, i)).collect::<Vec<_>>();
    assert_eq!(
        col("path"),
        [
            "\"color\"",
            "\"color/red/shade\"",
            "\"color/red/shade\"",
            "\"color/red/shade/matte/note\"",
            "\"odd\""
        ]
    );
    assert_eq!(col("depth"), ["0", "1", "1", "2", "0"]);
    assert_eq!(col("parent_feature_id"), ["null", "\"a1\"", "\"a1\"", "\"a3\"", "null"]);
    assert_eq!(
        col("answer_kind"),
        ["\"radio\"", "\"checklist\"", "\"checklist\"", "\"text\"", "\"unknown\""]
    );
    assert_eq!(col("text_content")[3], "\"hi\"");
    // A question with no answer form keeps the whole question.
    assert_eq!(
        col("extra")[4],
        r#""{\"question\":{\"feature_id\":\"q9\",\"name\":\"odd\",\"mystery\":1}}""#
    );
}

#[test]
fn video_frames_and_tracks() {
    let ann = r#"{"frames":{"3":{"objects":{"t1":{"feature_id":"t1","name":"car","bounding_box":{"top":1,"left":1,"height":1,"width":1},"confidence":0.5}}},"1":{"objects":{"t1":{"feature_id":"t1","name":"car","bounding_box":{"top":2,"left":2,"height":2,"width":2},"confidence":1}},"classifications":[{"name":"weather","radio_answer":{"name":"sun"}}]}},"segments":{"t1":[[1,3]],"t2":[[5,9],[2,4]]},"key_frame_feature_map":{"t1":{"1":true,"3":false},"t2":[5]}}"#;
    let mut out = walk(&[&line_with(ann)], &WalkOptions::default());
    assert!(out.quarantine.is_empty(), "{:?}", out.quarantine);
    let t = tables(&mut out, RUN);
    let (frames, objects) = (&t[4], &t[2]);
    assert_eq!(frames.num_rows(), 2);
    assert_eq!(cell(frames, "frame", 0), "3");
    assert_eq!(cell(frames, "keyframe", 0), "false");
    assert_eq!(cell(frames, "keyframe", 1), "true");
    assert_eq!(objects.num_rows(), 2);
    // t1 from frames: first/last frame, mean confidence; t2 known only from segments.
    assert_eq!(cell(objects, "first_frame", 0), "1");
    assert_eq!(cell(objects, "last_frame", 0), "3");
    assert_eq!(cell(objects, "frame_count", 0), "2");
    assert_eq!(cell(objects, "confidence", 0), "0.75");
    assert_eq!(cell(objects, "keyframe_count", 0), "1");
    assert_eq!(cell(objects, "segments", 0), r#"[{"start":1,"end":3}]"#);
    // A track known only from segments has no first or last frame.
    assert_eq!(cell(objects, "first_frame", 1), "null");
    assert_eq!(cell(objects, "last_frame", 1), "null");
    assert_eq!(cell(objects, "frame_count", 1), "0");
    assert_eq!(cell(&t[3], "frame", 0), "1");
    assert_eq!(cell(&t[1], "frame_count", 0), "2");
}

#[test]
fn dicom_views_are_walked_as_videos() {
    let ann = r#"{"groups":{"Axial":{"frames":{"2":{"objects":{"o1":{"feature_id":"o1","polygon":[]}}}}},"Sagittal":{"frames":{},"classifications":[{"name":"q","text_answer":{"content":"x"}}]}},"segments":{"Axial":{"o1":[[2,2]]}},"key_frame_feature_map":{"o1":{"Axial":[2],"Coronal":{}}}}"#;
    let mut out = walk(&[&line_with(ann)], &WalkOptions::default());
    assert!(out.quarantine.is_empty(), "{:?}", out.quarantine);
    let t = tables(&mut out, RUN);
    assert_eq!(cell(&t[4], "dicom_group", 0), "\"Axial\"");
    assert_eq!(cell(&t[4], "keyframe", 0), "true");
    assert_eq!(cell(&t[2], "dicom_group", 0), "\"Axial\"");
    assert_eq!(cell(&t[2], "keyframe_count", 0), "1");
    assert_eq!(cell(&t[3], "dicom_group", 0), "\"Sagittal\"");
    assert_eq!(cell(&t[1], "frame_count", 0), "1");
}

#[test]
fn relationships_of_each_form() {
    let ann = r#"{"relationships":[{"feature_id":"r1","name":"near","unidirectional_relationship":{"source":"a","target":"b"}},{"feature_id":"r2","bidirectional_relationship":{"source":"c","target":"d"}},{"feature_id":"r3","relationship":{"type":"BiDirectional","source":"e"}}]}"#;
    let mut out = walk(&[&line_with(ann)], &WalkOptions::default());
    let r = &tables(&mut out, RUN)[5];
    let kinds: Vec<String> = (0..3).map(|i| cell(r, "kind", i)).collect();
    assert_eq!(kinds, ["\"unidirectional\"", "\"bidirectional\"", "\"bidirectional\""]);
    assert_eq!(cell(r, "source_feature_id", 2), "\"e\"");
}

#[test]
fn timestamps_and_splits_and_attribution() {
    let line =
        r#"{"data_row":{"id":"dr9","details":{"created_at":"2023-02-08","updated_at":"2023-02-08T10:00:00+01:00"}}}"#;
    let opts = WalkOptions {
        only_model_run: Some(RUN.into()),
        splits: Some(HashMap::from([("dr9".to_string(), "TEST".to_string())])),
    };
    let mut out = walk(&[line], &opts);
    let d = &tables(&mut out, RUN)[0];
    assert_eq!(cell(d, "created_at", 0), "1675814400000000");
    assert_eq!(cell(d, "updated_at", 0), "1675846800000000");
    assert_eq!(cell(d, "split", 0), "\"TEST\"");
    assert_eq!(cell(d, "model_id", 0), "null");
}

#[test]
fn only_the_materialized_run_is_kept_and_others_counted() {
    let line = r#"{"data_row":{"id":"d"},"experiments":{"m":{"runs":{"a":{"split":"TRAINING"},"b":{}}}},"models":{"m2":{"model_runs":{"c":{}}}}}"#;
    let opts = WalkOptions {
        only_model_run: Some("b".into()),
        splits: None,
    };
    let out = walk(&[line, line], &opts);
    assert_eq!(out.partitions.keys().collect::<Vec<_>>(), ["b"]);
    assert_eq!(out.skipped_runs, BTreeMap::from([("a".into(), 2), ("c".into(), 2)]));
    let all = walk(&[line], &WalkOptions::default());
    assert_eq!(all.partitions.keys().collect::<Vec<_>>(), ["a", "b", "c"]);
}

#[test]
fn schema_2_fields_and_nothing_dropped_inside_payloads() {
    let ann = r#"{"objects":[{"feature_id":"o1","bounding_box":{"top":1,"left":1,"height":1,"width":1,"rotation":9},"custom_metrics":[{"name":"iou","value":0.5,"unit":"%"}]},{"feature_id":"o2","polygon":[{"x":1,"y":2,"z":3},{"x":4,"y":5}]},{"feature_id":"o3","ranked_messages":{"parent_message_id":"p","ranked_messages":[{"message_id":"a","order":2,"model_config_name":"m-a"},{"message_id":"b","order":1},{"message_id":"c","order":2}]}}]}"#;
    let line = format!(
        r#"{{"data_row":{{"id":"dr1"}},"media_attributes":{{"asset_type":"image","exif_rotation":"6"}},"metadata_fields":[{{"schema_id":"s","schema_kind":"CustomMetadataString","value":"x","note":1}}],"experiments":{{"m1":{{"runs":{{"{RUN}":{{"labels":[{{"id":"l1","z_order":3,"performance_details":{{"consensus_score":0.9,"benchmark_reference_label":"l0"}},"annotations":{ann}}}]}}}}}}}}}}"#
    );
    let mut out = walk(&[&line], &WalkOptions::default());
    assert!(out.quarantine.is_empty(), "{:?}", out.quarantine);
    let t = tables(&mut out, RUN);
    assert_eq!(cell(&t[0], "asset_type", 0), "\"image\"");
    assert_eq!(cell(&t[0], "exif_rotation", 0), "6");
    assert_eq!(
        cell(&t[0], "metadata_fields", 0),
        r#"[{"schema_id":"s","schema_name":null,"schema_kind":"CustomMetadataString","value":"x","value_name":null}]"#
    );
    assert_eq!(cell(&t[0], "extra", 0), r#""{\"metadata_fields[0]\":{\"note\":1}}""#);
    assert_eq!(cell(&t[1], "z_order", 0), "3");
    assert_eq!(cell(&t[1], "consensus_score", 0), "0.9");
    assert_eq!(cell(&t[1], "benchmark_reference_label", 0), "\"l0\"");
    let o = &t[2];
    assert_eq!(
        cell(o, "extra", 0),
        r#""{\"bounding_box\":{\"rotation\":9},\"custom_metrics[0]\":{\"unit\":\"%\"}}""#
    );
    assert_eq!(cell(o, "extra", 1), r#""{\"polygon[0]\":{\"z\":3}}""#);
    // Ranked by order, ties in exported order; orders and configs in the same positions.
    assert_eq!(cell(o, "message_ids", 2), r#"["b","a","c"]"#);
    assert_eq!(cell(o, "message_orders", 2), "[1,2,2]");
    assert_eq!(cell(o, "model_config_names", 2), r#"[null,"m-a",null]"#);
    let bad = walk(
        &[&line_with(r#"{"objects":[{"polygon":[{"x":1},3]}]}"#)],
        &WalkOptions::default(),
    );
    assert_eq!(
        only_field(&bad).0,
        format!("{PREFIX}.annotations.objects[0].polygon[1]")
    );
    let float_exif = line.replace(r#""exif_rotation":"6""#, r#""exif_rotation":6.5"#);
    assert_eq!(
        only_field(&walk(&[&float_exif], &WalkOptions::default())).0,
        "media_attributes.exif_rotation"
    );
}

#[test]
fn issue_10_rules() {
    // A project export row refuses the file at that line.
    let project = r#"{"data_row":{"id":"d"},"projects":{"p":{"labels":[]}}}"#;
    let good = line_with(r#"{}"#);
    let out = walk(&[&good, project, &good], &WalkOptions::default());
    assert_eq!(out.refused.as_ref().map(|r| r.line), Some(2));
    assert_eq!(out.lines, 2);
    // A run named twice in one line is quarantined at the second path.
    let twice = format!(
        r#"{{"data_row":{{"id":"d"}},"experiments":{{"m":{{"runs":{{"{RUN}":{{}}}}}}}},"models":{{"m2":{{"model_runs":{{"{RUN}":{{}}}}}}}}}}"#
    );
    assert_eq!(
        only_field(&walk(&[&twice], &WalkOptions::default())).0,
        format!("models.m2.model_runs.{RUN}")
    );
    // A relationship listed among the objects and again among the relationships is one row, not an object;
    // missing ids are keyed by position.
    let rel = r#"{"feature_id":"r1","unidirectional_relationship":{"source":"a","target":"b"}}"#;
    let ann = format!(
        r#"{{"objects":[{{"point":{{"x":1,"y":2}},"classifications":[{{"radio_answer":{{"name":"yes"}}}}]}},{rel}],"relationships":[{rel}]}}"#
    );
    let line = line_with(&ann).replace(r#""id":"l1","#, "");
    let mut out = walk(&[&line], &WalkOptions::default());
    assert!(out.quarantine.is_empty(), "{:?}", out.quarantine);
    let t = tables(&mut out, RUN);
    assert_eq!(t[2].num_rows(), 1);
    assert_eq!(t[5].num_rows(), 1);
    assert_eq!(cell(&t[1], "label_id", 0), "\"#0\"");
    assert_eq!(cell(&t[2], "feature_id", 0), "\"#0\"");
    assert_eq!(cell(&t[3], "question_feature_id", 0), "\"#0#0\"");
    assert_eq!(cell(&t[3], "answer_feature_id", 0), "\"#0#0#0\"");
}
