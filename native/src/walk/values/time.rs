//! Timestamps as Python's `datetime.fromisoformat` reads them, in UTC microseconds.

use crate::json::{write_json, Node};
use crate::tables::Cell;
use crate::walk::errors::{FieldError, Walk};

/// A timestamp column's value: null for null or "", else the instant in UTC microseconds.
pub fn timestamp<'a>(value: Option<&Node<'_>>, field: &str) -> Walk<Cell<'a>> {
    match value {
        None | Some(Node::Null) => Ok(Cell::Null),
        Some(Node::Str("")) => Ok(Cell::Null),
        Some(Node::Str(s)) => parse_iso(s)
            .map(Cell::Micros)
            .ok_or_else(|| bad_timestamp(field, value)),
        Some(_) => Err(bad_timestamp(field, value)),
    }
}

fn bad_timestamp(field: &str, value: Option<&Node<'_>>) -> FieldError {
    let mut shown = String::new();
    if let Some(v) = value {
        write_json(v, &mut shown);
    }
    let shown: String = shown.chars().take(80).collect();
    FieldError::new(field, format!("expected an ISO-8601 timestamp, got {shown}"))
}

/// Python 3.11's `datetime.fromisoformat`, followed by Arrow's conversion to UTC microseconds
/// (a naive value is taken as UTC). Dates `YYYY-MM-DD` or `YYYYMMDD`, any one character before the
/// time, `HH[:MM[:SS[.f...]]]` or `HHMMSS`, `Z` or `±HH[:MM[:SS[.f]]]`.
pub fn parse_iso(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    if b.len() < 7 {
        return None;
    }
    let sep = if at(4) == b'-' {
        if at(5) == b'W' {
            return None; // ISO week dates: not read here (never seen in exports)
        }
        10
    } else if at(4) == b'W' {
        return None;
    } else {
        8
    };
    let mut p = 0;
    let year = digits(b, &mut p, 4)?;
    let dashed = at(p) == b'-';
    if dashed {
        p += 1;
    }
    let month = digits(b, &mut p, 2)?;
    if dashed {
        if at(p) != b'-' {
            return None;
        }
        p += 1;
    }
    let day = digits(b, &mut p, 2)?;
    if p != sep || p > b.len() {
        return None;
    }
    if !(1..=9999).contains(&year) || !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let mut micros = days_from_civil(year, month, day) * 86_400_000_000;
    if b.len() > sep {
        // Any one character separates date and time.
        let sep_len = s[sep..].chars().next().map_or(1, char::len_utf8);
        let start = sep + sep_len;
        let (time, offset) = parse_time(b, start)?;
        micros += time - offset;
    }
    Some(micros)
}

fn parse_time(b: &[u8], start: usize) -> Option<(i64, i64)> {
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let end = b.len();
    let mut tz = start;
    loop {
        if matches!(at(tz), b'Z' | b'+' | b'-') {
            break;
        }
        tz += 1;
        if tz >= end {
            break;
        }
    }
    let (hms, rv) = hh_mm_ss_ff(b, start, tz)?;
    let [h, m, sec, us] = hms;
    if h > 23 || m > 59 || sec > 59 {
        return None;
    }
    let time = ((h * 60 + m) * 60 + sec) * 1_000_000 + us;
    if tz >= end {
        return if rv { None } else { Some((time, 0)) };
    }
    if at(tz) == b'Z' {
        return if tz + 1 == end { Some((time, 0)) } else { None };
    }
    let sign = if at(tz) == b'-' { -1 } else { 1 };
    let (tzp, rv) = hh_mm_ss_ff(b, tz + 1, end)?;
    if rv {
        return None;
    }
    // The offset's fraction of a second is parsed but not applied (as Python and Arrow together do).
    let offset = sign * ((tzp[0] * 60 + tzp[1]) * 60 + tzp[2]) * 1_000_000;
    if offset.abs() >= 86_400_000_000 {
        return None;
    }
    Some((time, offset))
}

/// CPython's `parse_hh_mm_ss_ff` over bytes [p, p_end) of a NUL-terminated string: the values and
/// whether it stopped before the end of the string.
fn hh_mm_ss_ff(b: &[u8], mut p: usize, p_end: usize) -> Option<([i64; 4], bool)> {
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let mut vals = [0i64; 4];
    let mut has_sep = true;
    let mut i = 0;
    while i < 3 {
        vals[i] = digits(b, &mut p, 2)?;
        let c = at(p);
        p += 1;
        if i == 0 {
            has_sep = c == b':';
        }
        if p >= p_end {
            return Some((vals, c != 0));
        } else if has_sep && c == b':' {
            i += 1;
            continue;
        } else if c == b'.' || c == b',' {
            break;
        } else if !has_sep {
            p -= 1;
        } else {
            return None;
        }
        i += 1;
    }
    if i == 3 {
        // Three fields read with no fraction mark after them.
        return Some((vals, at(p) != 0));
    }
    let remains = p_end.saturating_sub(p);
    if remains == 0 {
        return None;
    }
    let take = remains.min(6);
    let frac = digits(b, &mut p, take)?;
    vals[3] = frac * 10i64.pow((6 - take) as u32);
    while at(p).is_ascii_digit() {
        p += 1;
    }
    Some((vals, at(p) != 0))
}

fn digits(b: &[u8], p: &mut usize, n: usize) -> Option<i64> {
    let mut v = 0i64;
    for _ in 0..n {
        let d = b.get(*p)?.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + d as i64;
        *p += 1;
    }
    Some(v)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_as_python_reads_them() {
        // Expected values printed by Python 3.11: datetime.fromisoformat(s), as UTC microseconds.
        for (s, want) in [
            ("2023-01-15T10:20:30.123Z", Some(1673778030123000)),
            ("2023-01-15T10:20:30.123456+00:00", Some(1673778030123456)),
            ("2023-01-15 10:20:30+02:00", Some(1673770830000000)),
            ("2023-01-15", Some(1673740800000000)),
            ("20230115T102030", Some(1673778030000000)),
            ("2023-01-15T10:20:30.1234567", Some(1673778030123456)),
            ("2023-01-15T10", Some(1673776800000000)),
            ("2023-01-15T10:20", Some(1673778000000000)),
            ("2023-01-15T10:20:30,5-01:30", Some(1673783430500000)),
            ("2023-02-30", None),
            ("2023-01-15T25:00", None),
            ("2023-01-15T10:20:30.", None),
            ("2023-1-15", None),
            ("2023-W05-1", None), // an ISO week date: Python reads it, the native walker does not
            ("not a date", None),
            ("2023-01-15T10:20:30ZZ", None),
            ("2023-01-15T10:20:30.12", Some(1673778030120000)),
            ("2023-01-15T102030", Some(1673778030000000)),
            ("2023-01-15T10:20:30+0530", Some(1673758230000000)),
            ("2023-01-15é10:20", Some(1673778000000000)),
            ("2023-01-15T10:2", None),
            ("2023-01-15T12:+00:00", Some(1673784000000000)),
            ("0001-01-01T00:00+01:00", Some(-62135600400000000)),
            ("2023-01-15T10:20:30+24:00", None),
            ("2023-01-15T10:20:30+23:59:59.999999", Some(1673691631000000)),
        ] {
            assert_eq!(parse_iso(s), want, "{s}");
        }
    }
}
