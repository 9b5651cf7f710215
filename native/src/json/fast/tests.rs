//! The fast reader against serde_json: what it reads itself, and what it leaves alone.

use super::*;
use crate::json::parse_serde;

/// Each line: the fast reader gives serde_json's tree, or leaves the line to it.
fn agree(line: &str) -> bool {
    let (a, b) = (Bump::new(), Bump::new());
    let fast = parse(line, &a);
    match (fast, parse_serde(line, &b)) {
        (Some(f), Ok(s)) => assert!(identical(&f, &s), "{line}: {f:?} != {s:?}"),
        (Some(f), Err(e)) => panic!("{line}: the fast reader accepts {f:?}, serde_json refuses: {e}"),
        (None, _) => {}
    }
    fast.is_some()
}

#[test]
fn reads_the_common_lines_itself() {
    for line in [
        r#"{"a":1,"b":[true,false,null],"c":{"d":"e"},"f":-2.5e-3}"#,
        r#" { "k" : [ 1 , 2 ] } "#,
        r#"{"a":"x\"y\\z\/\b\f\n\r\t\u00e9\u20ac"}"#,
        r#"{"a":1,"b":2,"a":3}"#,
        "[0, -0, -0.0, 1e0, 1E+2, 0.1, 123456789012345678, 9223372036854775807, -9223372036854775808]",
        "[18446744073709551615, 18446744073709551616, -9223372036854775809, 1e-300, 5e-324]",
        "[1.7976931348623157e308, 0e999999, 0.000e-999, 2.2250738585072014e-308]",
        "\"é 😀 plain text longer than eight bytes\"",
        "[]",
        "{}",
        "[[[[]]]]",
    ] {
        assert!(agree(line), "left to serde_json: {line}");
    }
}

#[test]
fn leaves_what_it_is_not_sure_of_to_serde_json() {
    for line in [
        "",
        "   ",
        "{",
        "[1,]",
        "{\"a\":1,}",
        "[01]",
        "[1.]",
        "[.5]",
        "[1e]",
        "[+1]",
        "[1e400]",
        "[-1e400]",
        "[1e-400]",
        "[NaN]",
        "[tru]",
        "\"\\ud83d\\ude00\"",
        "\"\\ud800\"",
        "\"\\udc00\"",
        "\"\\x\"",
        "\"\\u12g4\"",
        "\"tab\there\"",
        "\"unterminated",
        "{\"a\" 1}",
        "{1:2}",
        "[1] [2]",
        "[1]x",
    ] {
        assert!(!agree(line), "read by the fast reader: {line}");
    }
    let deep = format!(
        "{}{}",
        "[".repeat(DEPTH_LIMIT as usize + 1),
        "]".repeat(DEPTH_LIMIT as usize + 1)
    );
    assert!(!agree(&deep));
    let limit = format!(
        "{}{}",
        "[".repeat(DEPTH_LIMIT as usize),
        "]".repeat(DEPTH_LIMIT as usize)
    );
    assert!(agree(&limit));
}

#[test]
fn numbers_in_every_form_read_as_serde_json_reads_them() {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut read = 0;
    for _ in 0..100_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let digits = (x % 10u64.pow((x >> 8) as u32 % 20)).to_string();
        let cut = (x >> 16) as usize % (digits.len() + 1);
        let sign = if x & (1 << 40) != 0 { "-" } else { "" };
        let exp = match (x >> 24) % 4 {
            0 => String::new(),
            1 => format!("e{}", (x >> 32) % 30),
            2 => format!("E-{}", (x >> 32) % 330),
            _ => format!("e+{}", (x >> 32) % 310),
        };
        let number = match cut {
            0 => format!("{sign}{digits}{exp}"),
            _ => format!(
                "{sign}{}.{}{exp}",
                &digits[..cut],
                if cut == digits.len() { "0" } else { &digits[cut..] }
            ),
        };
        read += usize::from(agree(&format!("[{number}]")));
    }
    assert!(read > 90_000, "the fast reader read only {read} of 100,000");
}

#[test]
fn strings_across_the_eight_byte_steps() {
    for n in 0..20 {
        for special in ["\\n", "\\\"", "é"] {
            let body = format!("{}{}{}", "a".repeat(n), special, "b".repeat(20 - n));
            assert!(agree(&format!("[\"{body}\",\"{body}\"]")));
        }
        assert!(!agree(&format!("\"{}\u{1}\"", "a".repeat(n))));
    }
}
