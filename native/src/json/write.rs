//! JSON text as orjson writes it: no spaces, UTF-8 kept, only `"`, `\` and control characters
//! escaped, floats in shortest round-trip form with orjson's exponent rule.

use std::fmt::Write;

use bumpalo::collections::String as ArenaString;
use bumpalo::Bump;

use super::Node;

/// Where JSON text goes: a String, or a String in a line's arena (`json_text`).
pub trait Out: Write {
    fn push_str(&mut self, s: &str);
    fn push(&mut self, c: char);
}

impl Out for String {
    fn push_str(&mut self, s: &str) {
        String::push_str(self, s)
    }
    fn push(&mut self, c: char) {
        String::push(self, c)
    }
}

impl Out for ArenaString<'_> {
    fn push_str(&mut self, s: &str) {
        ArenaString::push_str(self, s)
    }
    fn push(&mut self, c: char) {
        ArenaString::push(self, c)
    }
}

/// `node` as JSON text in `arena`: no allocation of its own, freed with the line.
pub fn json_text<'a>(node: &Node<'_>, arena: &'a Bump) -> &'a str {
    let mut out = ArenaString::with_capacity_in(TEXT_START, arena);
    write_json(node, &mut out);
    out.into_bump_str()
}

/// The first capacity of a JSON text the walk writes (geojson, `extra`): most fit, so they are not
/// regrown from a few bytes up, one copy per doubling.
pub const TEXT_START: usize = 128;

pub fn write_json<W: Out>(node: &Node<'_>, out: &mut W) {
    match node {
        Node::Null => out.push_str("null"),
        Node::Bool(true) => out.push_str("true"),
        Node::Bool(false) => out.push_str("false"),
        Node::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Node::UInt(u) => {
            let _ = write!(out, "{u}");
        }
        Node::Float(f) => write_float(*f, out),
        Node::Str(s) => write_str(s, out),
        Node::Arr(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        Node::Obj(fields) => {
            out.push('{');
            for (i, (k, v)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(k, out);
                out.push(':');
                write_json(v, out);
            }
            out.push('}');
        }
    }
}

pub fn write_str<W: Out>(s: &str, out: &mut W) {
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if esc.is_empty() {
            let _ = write!(out, "\\u{:04x}", b);
        } else {
            out.push_str(esc);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Shortest round-trip digits; decimal notation for exponents -5..=15, else `d.ddde+XX` / `de-X`.
pub fn write_float<W: Out>(f: f64, out: &mut W) {
    if !f.is_finite() {
        out.push_str("null"); // JSON has no NaN or infinity; the parser never yields them
        return;
    }
    // zmij (serde_json's float printer) gives the shortest round-trip digits, in its own layout
    // ("0.001", "1.5e-7", "1e16"); they are laid out again by orjson's rule. No allocation.
    let mut printed = zmij::Buffer::new();
    let text = printed.format_finite(f);
    let (neg, text) = text.strip_prefix('-').map_or((false, text), |t| (true, t));
    let (mantissa, exp) = match text.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (text, 0),
    };
    let (int_part, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut digits = [0u8; 40];
    let mut n = 0;
    for &b in int_part.as_bytes().iter().chain(fraction.as_bytes()) {
        if n < digits.len() {
            digits[n] = b;
            n += 1;
        }
    }
    // The decimal point sits after `point` digits; leading zeros move it, trailing ones go.
    let mut point = int_part.len() as i32 + exp;
    let lead = digits[..n].iter().take_while(|&&d| d == b'0').count();
    let (digits, exp) = if lead == n {
        (&b"0"[..], 0) // zero
    } else {
        point -= lead as i32;
        let end = n - digits[..n].iter().rev().take_while(|&&d| d == b'0').count();
        (&digits[lead..end], point - 1)
    };
    // ASCII digits only, so these slices are valid UTF-8.
    let digits = std::str::from_utf8(digits).unwrap_or("0");
    if neg {
        out.push('-');
    }
    if (-5..16).contains(&exp) {
        if exp < 0 {
            out.push_str("0.");
            for _ in 0..(-exp - 1) {
                out.push('0');
            }
            out.push_str(digits);
        } else {
            let int_len = exp as usize + 1;
            if digits.len() <= int_len {
                out.push_str(digits);
                for _ in digits.len()..int_len {
                    out.push('0');
                }
                out.push_str(".0");
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let _ = write!(out, "{}", exp.abs());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn float(f: f64) -> String {
        let mut s = String::new();
        write_float(f, &mut s);
        s
    }

    #[test]
    fn floats_as_orjson() {
        // Each pair was printed by orjson.dumps.
        for (f, want) in [
            (0.1, "0.1"),
            (1e16, "1e+16"),
            (1e-7, "1e-7"),
            (1e-6, "1e-6"),
            (100.0, "100.0"),
            (1.5e300, "1.5e+300"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (0.0001, "0.0001"),
            (0.00001, "0.00001"),
            (1.5e-5, "0.000015"),
            (1e15, "1000000000000000.0"),
            (1234567890123456.8, "1234567890123456.8"),
            (1.2345678901234568e16, "1.2345678901234568e+16"),
            (1.23e-18, "1.23e-18"),
            (123456789.0, "123456789.0"),
            (-1e-10, "-1e-10"),
            (0.001234, "0.001234"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
        ] {
            assert_eq!(float(f), want, "{f:e}");
        }
    }

    /// Significant digits of a printed float.
    fn significant(text: &str) -> usize {
        let mantissa = text.split(['e', 'E']).next().unwrap_or("");
        let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
        let trimmed = digits.trim_start_matches('0').trim_end_matches('0');
        trimmed.len().max(1)
    }

    #[test]
    fn floats_round_trip_in_the_fewest_digits() {
        // Python's test suite checks that the text equals orjson.dumps on the same values
        // (ties between two shortest candidates go to the even digit, as orjson and repr() do).
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut checked = 0;
        for i in 0..400_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // random bit patterns, and short decimals as exports hold them (coordinates, scores)
            let f = if i % 2 == 0 {
                f64::from_bits(x)
            } else {
                (x % 100_000_000) as f64 / 10f64.powi((x % 9) as i32)
            };
            if f.is_finite() {
                let text = float(f);
                assert_eq!(text.parse::<f64>().map(f64::to_bits), Ok(f.to_bits()), "{text}");
                assert_eq!(significant(&text), significant(&format!("{f:e}")), "{text} vs {f:e}");
                checked += 1;
            }
        }
        assert!(checked > 390_000);
        assert_eq!(float(1.6900607208313233e15), "1690060720831323.2"); // orjson's (std would print .3)
    }

    #[test]
    fn strings_as_orjson() {
        let mut s = String::new();
        write_str("\u{2028}\x7f\"\\/\x08\x0c\n\r\t\x00\x1fé", &mut s);
        assert_eq!(s, "\"\u{2028}\x7f\\\"\\\\/\\b\\f\\n\\r\\t\\u0000\\u001fé\"");
    }
}
