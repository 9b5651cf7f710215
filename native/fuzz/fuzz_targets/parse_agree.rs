//! The fast reader against serde_json on any text: where the fast reader accepts a line, serde_json
//! accepts it too and gives the same tree, bit for bit (floats by their bits).

#![no_main]

use bumpalo::Bump;
use lb_export_native::json::{identical, parse_fast, parse_serde};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(line) = std::str::from_utf8(data) else { return };
    let (a, b) = (Bump::new(), Bump::new());
    if let Some(fast) = parse_fast(line, &a) {
        match parse_serde(line, &b) {
            Ok(reference) => assert!(identical(&fast, &reference), "{fast:?} != {reference:?}"),
            Err(e) => panic!("the fast reader accepts {fast:?}; serde_json refuses: {e}"),
        }
    }
});
