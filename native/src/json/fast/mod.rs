//! The fast reader of a line: a recursive descent straight into the arena, with no visitor between
//! the bytes and the tree. It accepts only what it is sure of. Anything else (malformed JSON, a
//! surrogate escape, a number that over- or underflows, nesting past the depth limit) it leaves to
//! serde_json, which reads the line again and has the last word, error text included. Where both
//! accept a line they give the same tree, bit for bit: the `parse_agree` fuzz target checks it.

use bumpalo::collections::String as ArenaString;
use bumpalo::Bump;

use super::parse::{dedupe, DEPTH_LIMIT};
use super::Node;

/// The line's tree, or None to leave the line to serde_json.
pub fn parse<'a>(line: &'a str, arena: &'a Bump) -> Option<Node<'a>> {
    parse_with(line, arena, &mut Stacks::default())
}

/// As `parse`, with the stacks of an earlier line (so that a walker does not grow them per line).
pub fn parse_with<'a>(line: &'a str, arena: &'a Bump, stacks: &mut Stacks) -> Option<Node<'a>> {
    let mut p = Parser {
        text: line,
        at: 0,
        arena,
        items: recycle(std::mem::take(&mut stacks.items)),
        fields: recycle(std::mem::take(&mut stacks.fields)),
    };
    let node = p.value(0);
    p.skip_space();
    let whole = p.at == line.len();
    stacks.items = recycle(p.items);
    stacks.fields = recycle(p.fields);
    node.filter(|_| whole)
}

/// The parser's stacks between lines: empty, so they borrow nothing (hence `'static`), but with the
/// capacity the largest line so far needed.
#[derive(Default)]
pub struct Stacks {
    items: Vec<Node<'static>>,
    fields: Vec<(&'static str, Node<'static>)>,
}

/// An emptied vector as a vector of another type of the same layout (here: another lifetime), its
/// allocation kept (std collects a vector's own iterator in place when the layouts match).
fn recycle<T, U>(mut v: Vec<T>) -> Vec<U> {
    v.clear();
    v.into_iter().filter_map(|_| None).collect()
}

struct Parser<'a> {
    text: &'a str,
    at: usize,
    arena: &'a Bump,
    /// The items and fields of the arrays and objects being read, as stacks (see `parse::Scratch`).
    items: Vec<Node<'a>>,
    fields: Vec<(&'a str, Node<'a>)>,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.at += 1;
        Some(b)
    }

    #[inline(always)]
    fn skip_space(&mut self) {
        // Exports are written without spaces: one test on the usual byte, the loop only after a space.
        if self.peek().is_some_and(|b| b > b' ') {
            return;
        }
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\t' | b'\r')) {
            self.at += 1;
        }
    }

    fn value(&mut self, depth: u32) -> Option<Node<'a>> {
        self.skip_space();
        match self.peek()? {
            b'"' => {
                self.at += 1;
                self.string().map(Node::Str)
            }
            b'{' => self.object(depth),
            b'[' => self.array(depth),
            b'-' | b'0'..=b'9' => self.number(),
            b't' => self.word("true", Node::Bool(true)),
            b'f' => self.word("false", Node::Bool(false)),
            b'n' => self.word("null", Node::Null),
            _ => None,
        }
    }

    fn word(&mut self, word: &str, node: Node<'a>) -> Option<Node<'a>> {
        let end = self.at + word.len();
        (self.text.as_bytes().get(self.at..end)? == word.as_bytes()).then(|| {
            self.at = end;
            node
        })
    }

    fn array(&mut self, depth: u32) -> Option<Node<'a>> {
        if depth >= DEPTH_LIMIT {
            return None;
        }
        self.at += 1;
        self.skip_space();
        if self.peek()? == b']' {
            self.at += 1;
            return Some(Node::Arr(&[]));
        }
        let start = self.items.len();
        loop {
            let item = self.value(depth + 1)?;
            self.items.push(item);
            self.skip_space();
            match self.next()? {
                b',' => {}
                b']' => break,
                _ => return None,
            }
        }
        let node = Node::Arr(self.arena.alloc_slice_copy(&self.items[start..]));
        self.items.truncate(start);
        Some(node)
    }

    fn object(&mut self, depth: u32) -> Option<Node<'a>> {
        if depth >= DEPTH_LIMIT {
            return None;
        }
        self.at += 1;
        self.skip_space();
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(Node::Obj(&[]));
        }
        let start = self.fields.len();
        // A key can repeat an earlier one only if an earlier key has its length: one bit per length
        // (mod 64), so that most objects skip `dedupe` altogether.
        let (mut lengths, mut maybe_repeated) = (0u64, false);
        loop {
            self.skip_space();
            if self.next()? != b'"' {
                return None;
            }
            let key = self.string()?;
            let bit = 1u64 << (key.len() & 63);
            maybe_repeated |= lengths & bit != 0;
            lengths |= bit;
            self.skip_space();
            if self.next()? != b':' {
                return None;
            }
            let value = self.value(depth + 1)?;
            self.fields.push((key, value));
            self.skip_space();
            match self.next()? {
                b',' => {}
                b'}' => break,
                _ => return None,
            }
        }
        let kept = if maybe_repeated {
            start + dedupe(&mut self.fields[start..])
        } else {
            self.fields.len()
        };
        let node = Node::Obj(self.arena.alloc_slice_copy(&self.fields[start..kept]));
        self.fields.truncate(start);
        Some(node)
    }

    /// A string whose opening quote has been read: borrowed from the line when it has no escape.
    #[inline(always)]
    fn string(&mut self) -> Option<&'a str> {
        let start = self.at;
        self.at = plain_run(self.text.as_bytes(), self.at);
        match self.next()? {
            // SAFETY: `start` follows an ASCII quote and `self.at - 1` is one: both are char boundaries.
            b'"' => Some(unsafe { self.text.get_unchecked(start..self.at - 1) }),
            b'\\' => {
                self.at -= 1;
                self.escaped(start)
            }
            _ => None, // a control character
        }
    }

    fn escaped(&mut self, start: usize) -> Option<&'a str> {
        let mut out = ArenaString::with_capacity_in(self.at - start + 16, self.arena);
        out.push_str(&self.text[start..self.at]);
        loop {
            match self.next()? {
                b'"' => return Some(out.into_bump_str()),
                b'\\' => {
                    let c = match self.next()? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\x08',
                        b'f' => '\x0c',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => char::from_u32(self.hex4()?)?, // a surrogate (None): serde_json's rules decide
                        _ => return None,
                    };
                    out.push(c);
                }
                b if b < 0x20 => return None, // a control character
                _ => {
                    let run = self.at - 1;
                    self.at = plain_run(self.text.as_bytes(), self.at);
                    out.push_str(&self.text[run..self.at]);
                }
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.text.get(self.at..self.at + 4)?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        self.at += 4;
        u32::from_str_radix(digits, 16).ok()
    }

    /// A number, as serde_json reads it: integers to i64 or u64 where they fit (a negative zero and
    /// integers past those ranges are floats), every other number rounded exactly to f64.
    fn number(&mut self) -> Option<Node<'a>> {
        let start = self.at;
        let negative = self.peek() == Some(b'-');
        self.at += usize::from(negative);
        // The digits as one integer (while they fit a u64), for the paths below.
        let mut mantissa = Mantissa::default();
        match self.peek()? {
            b'0' if self.text.as_bytes().get(self.at + 1).is_some_and(u8::is_ascii_digit) => return None,
            b'0'..=b'9' => mantissa.digits(self),
            _ => return None,
        }
        let int_digits = mantissa.count;
        let mut fraction = false;
        if self.peek() == Some(b'.') {
            self.at += 1;
            fraction = true;
            mantissa.digits(self);
            if mantissa.count == int_digits {
                return None;
            }
        }
        let mut exp: i64 = 0;
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            fraction = true;
            let sign = match self.peek() {
                Some(b'-') => -1,
                Some(b'+') => 1,
                _ => 0,
            };
            self.at += usize::from(sign != 0);
            let from = self.at;
            if self.digits() == 0 {
                return None;
            }
            let text = &self.text[from..self.at];
            exp = if text.len() > 6 {
                i64::MAX
            } else {
                text.parse::<i64>().ok()?
            } * if sign < 0 { -1 } else { 1 };
        }
        if !fraction {
            if let Some(m) = mantissa.value {
                return Some(integer(m, negative));
            } // past u64: a float, as serde_json reads it
        }
        // Clinger's fast path: a mantissa below 2^53 times a power of ten up to 22 is exact in f64,
        // so one multiplication or division rounds it correctly, as serde_json's parse does.
        let scale = exp.saturating_sub(i64::from(mantissa.count - int_digits));
        if let Some(m) = mantissa.value.filter(|&m| m <= 1 << 53) {
            if (-22..=22).contains(&scale) {
                let power = POWERS_OF_TEN[scale.unsigned_abs() as usize];
                let f = if scale < 0 { m as f64 / power } else { m as f64 * power };
                return Some(Node::Float(if negative { -f } else { f }));
            }
        }
        let text = &self.text[start..self.at];
        let f: f64 = text.parse().ok()?;
        // Out of range either way: serde_json's rules (an error, or a zero) decide.
        let underflow = f == 0.0
            && text
                .bytes()
                .take_while(|b| !matches!(b, b'e' | b'E'))
                .any(|b| matches!(b, b'1'..=b'9'));
        (f.is_finite() && !underflow).then_some(Node::Float(f))
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.at += 1;
        }
        self.at - start
    }
}

/// serde_json's integer: a negative one that does not fit i64 (or is zero) becomes a float.
fn integer<'a>(magnitude: u64, negative: bool) -> Node<'a> {
    if !negative {
        return i64::try_from(magnitude).map_or(Node::UInt(magnitude), Node::Int);
    }
    let value = (magnitude as i64).wrapping_neg();
    if value >= 0 {
        Node::Float(-(magnitude as f64))
    } else {
        Node::Int(value)
    }
}

/// The digits of a number read so far: how many, and their value while it fits a u64.
#[derive(Default)]
struct Mantissa {
    value: Option<u64>,
    count: u32,
}

impl Mantissa {
    fn digits(&mut self, p: &mut Parser<'_>) {
        let mut value = self.value.unwrap_or(0);
        let mut fits = self.value.is_some() || self.count == 0;
        while let Some(d) = p.peek().filter(u8::is_ascii_digit) {
            p.at += 1;
            self.count += 1;
            match value.checked_mul(10).and_then(|v| v.checked_add(u64::from(d - b'0'))) {
                Some(v) if fits => value = v,
                _ => fits = false,
            }
        }
        self.value = fits.then_some(value);
    }
}

const POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
    1e21, 1e22,
];

/// Where the run of plain string bytes from `at` ends: at a quote, a backslash, a control character
/// or the end. Sixteen bytes at a time (SSE2, which every x86-64 has) while none is one of those.
fn plain_run(bytes: &[u8], mut at: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{
            _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8, _mm_setzero_si128,
            _mm_subs_epu8,
        };
        // SAFETY: SSE2 is part of the x86-64 baseline; each load reads 16 bytes inside `bytes`.
        unsafe {
            let quote = _mm_set1_epi8(b'"' as i8);
            let backslash = _mm_set1_epi8(b'\\' as i8);
            let last_control = _mm_set1_epi8(0x1f);
            let zero = _mm_setzero_si128();
            while at + 16 <= bytes.len() {
                let v = _mm_loadu_si128(bytes.as_ptr().add(at).cast());
                let control = _mm_cmpeq_epi8(_mm_subs_epu8(v, last_control), zero); // v <= 0x1f
                let hits = _mm_or_si128(
                    _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                    control,
                );
                let mask = _mm_movemask_epi8(hits) as u32;
                if mask != 0 {
                    return at + mask.trailing_zeros() as usize;
                }
                at += 16;
            }
        }
    }
    while let Some(&b) = bytes.get(at) {
        if b == b'"' || b == b'\\' || b < 0x20 {
            break;
        }
        at += 1;
    }
    at
}

/// The same tree, bit for bit (floats by their bits, so `-0.0` is not `0.0`): how the fast reader's
/// result is compared with serde_json's.
pub fn identical(a: &Node<'_>, b: &Node<'_>) -> bool {
    match (a, b) {
        (Node::Float(x), Node::Float(y)) => x.to_bits() == y.to_bits(),
        (Node::Arr(x), Node::Arr(y)) => x.len() == y.len() && x.iter().zip(*y).all(|(p, q)| identical(p, q)),
        (Node::Obj(x), Node::Obj(y)) => {
            x.len() == y.len() && x.iter().zip(*y).all(|((k, p), (l, q))| k == l && identical(p, q))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests;
