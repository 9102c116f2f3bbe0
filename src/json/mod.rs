//! A small JSON reader (RFC 8259) and the typed readers that build the core's inputs
//! ([`crate::Catalog`], [`crate::CustomerState`]) from it.
//!
//! Why not serde: in the WebAssembly build serde_json's per-type deserializers and
//! serde_path_to_error's wrappers were more than half of the download. This reader is
//! one small parser into a light tree ([`Value`]) plus one function per input type, and
//! it is what every face uses, so the native tests prove what the browser runs.
//!
//! The parser is total: any input gives a value or an error, never a panic; nesting is
//! limited to [`MAX_DEPTH`] so that deep input cannot exhaust the stack; text after the
//! value is an error.

mod float;
pub(crate) mod input;
mod read;

use std::borrow::Cow;

pub(crate) use input::{catalog, customer};

/// Deepest nesting of arrays and objects accepted (serde_json's limit too).
pub(crate) const MAX_DEPTH: u32 = 128;

/// A parsed JSON value. Strings borrow from the input unless they hold escapes; object
/// members keep their order (and repeats, which the typed readers reject).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value<'a> {
    Null,
    Bool(bool),
    Number(f64),
    String(Cow<'a, str>),
    Array(Vec<Value<'a>>),
    Object(Vec<(Cow<'a, str>, Value<'a>)>),
}

impl Value<'_> {
    /// What the value is, for messages: `a string`, `null`...
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }
}

/// A syntax error: what was expected and where (1-based line and column, in characters).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub what: &'static str,
    pub line: usize,
    pub column: usize,
}

impl SyntaxError {
    /// `invalid JSON: expected a value at line 1 column 14`.
    pub(crate) fn message(&self) -> String {
        let mut m = String::from("invalid JSON: ");
        m.push_str(self.what);
        m.push_str(" at line ");
        m.push_str(&self.line.to_string());
        m.push_str(" column ");
        m.push_str(&self.column.to_string());
        m
    }
}

/// Parses one JSON value that makes up the whole of `text` (whitespace around it allowed).
pub(crate) fn parse(text: &str) -> Result<Value<'_>, SyntaxError> {
    let mut p = Parser { text, pos: 0 };
    let value = p.value(0);
    let value = value.and_then(|v| {
        p.skip_ws();
        if p.pos == text.len() {
            Ok(v)
        } else {
            Err("trailing characters after the value")
        }
    });
    value.map_err(|what| {
        let before = text.get(..p.pos).unwrap_or(text);
        // Byte loops rather than `matches`/`rfind`: an error path, and std's memchr
        // brings slicing panics into the wasm.
        let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
        let line_start = before
            .bytes()
            .rposition(|b| b == b'\n')
            .map_or(0, |i| i + 1);
        let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
        SyntaxError { what, line, column }
    })
}

type Step<T> = Result<T, &'static str>;

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn literal(&mut self, word: &str, v: Value<'a>) -> Step<Value<'a>> {
        if self.text.as_bytes().get(self.pos..self.pos + word.len()) == Some(word.as_bytes()) {
            self.pos += word.len();
            Ok(v)
        } else {
            Err("expected a value")
        }
    }

    fn value(&mut self, depth: u32) -> Step<Value<'a>> {
        self.skip_ws();
        match self.peek() {
            None => Err("unexpected end of input, expected a value"),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'"') => self.string().map(Value::String),
            Some(b'-' | b'0'..=b'9') => self.number().map(Value::Number),
            Some(b'[') => {
                let depth = nested(depth)?;
                self.pos += 1;
                let mut items = Vec::new();
                self.skip_ws();
                if self.eat(b']') {
                    return Ok(Value::Array(items));
                }
                loop {
                    items.push(self.value(depth)?);
                    self.skip_ws();
                    if self.eat(b']') {
                        return Ok(Value::Array(items));
                    }
                    if !self.eat(b',') {
                        return Err("expected `,` or `]`");
                    }
                }
            }
            Some(b'{') => {
                let depth = nested(depth)?;
                self.pos += 1;
                let mut members = Vec::new();
                self.skip_ws();
                if self.eat(b'}') {
                    return Ok(Value::Object(members));
                }
                loop {
                    self.skip_ws();
                    if self.peek() != Some(b'"') {
                        return Err("expected a string key");
                    }
                    let key = self.string()?;
                    self.skip_ws();
                    if !self.eat(b':') {
                        return Err("expected `:`");
                    }
                    let value = self.value(depth)?;
                    members.push((key, value));
                    self.skip_ws();
                    if self.eat(b'}') {
                        return Ok(Value::Object(members));
                    }
                    if !self.eat(b',') {
                        return Err("expected `,` or `}`");
                    }
                }
            }
            Some(_) => Err("expected a value"),
        }
    }

    /// A string starting at the opening quote.
    fn string(&mut self) -> Step<Cow<'a, str>> {
        self.pos += 1;
        let start = self.pos;
        // Fast path: no escapes, borrow.
        loop {
            match self.peek() {
                None => return Err("unexpected end of input in a string"),
                Some(b'"') => {
                    let s = self.text.get(start..self.pos).ok_or("invalid string")?;
                    self.pos += 1;
                    return Ok(Cow::Borrowed(s));
                }
                Some(b'\\') => break,
                Some(0..=0x1f) => return Err("control character in a string"),
                Some(_) => self.pos += 1,
            }
        }
        let mut out = String::from(self.text.get(start..self.pos).ok_or("invalid string")?);
        loop {
            let run = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(self.text.get(run..self.pos).ok_or("invalid string")?);
            match self.peek() {
                None => return Err("unexpected end of input in a string"),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let c = self.escape()?;
                    out.push(c);
                }
                Some(_) => return Err("control character in a string"),
            }
        }
    }

    /// The character of an escape, after its backslash.
    fn escape(&mut self) -> Step<char> {
        let b = self.peek().ok_or("unexpected end of input in a string")?;
        self.pos += 1;
        Ok(match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi = self.hex4()?;
                let code = match hi {
                    0xD800..=0xDBFF => {
                        if !(self.eat(b'\\') && self.eat(b'u')) {
                            return Err("lone surrogate in a string escape");
                        }
                        let lo = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&lo) {
                            return Err("lone surrogate in a string escape");
                        }
                        0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                    }
                    0xDC00..=0xDFFF => return Err("lone surrogate in a string escape"),
                    _ => hi,
                };
                char::from_u32(code).ok_or("invalid string escape")?
            }
            _ => return Err("invalid string escape"),
        })
    }

    fn hex4(&mut self) -> Step<u32> {
        let mut n = 0;
        for _ in 0..4 {
            let d = match self.peek() {
                Some(b @ b'0'..=b'9') => b - b'0',
                Some(b @ b'a'..=b'f') => b - b'a' + 10,
                Some(b @ b'A'..=b'F') => b - b'A' + 10,
                _ => return Err("invalid `\\u` escape"),
            };
            self.pos += 1;
            n = n * 16 + u32::from(d);
        }
        Ok(n)
    }

    /// `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`; out of the `f64` range is an error.
    fn number(&mut self) -> Step<f64> {
        let start = self.pos;
        let negative = self.eat(b'-');
        let int_start = self.pos;
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err("invalid number"),
        }
        let int_end = self.pos;
        let mut integral = true;
        if self.eat(b'.') {
            integral = false;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err("invalid number");
            }
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            integral = false;
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err("invalid number");
            }
            self.digits();
        }
        let digits = self.text.get(int_start..int_end).ok_or("invalid number")?;
        // Integers of up to 15 digits are exact in an `f64`: no float parsing needed.
        if integral && digits.len() <= 15 {
            let n = digits
                .bytes()
                .fold(0i64, |n, d| n * 10 + i64::from(d - b'0'));
            // At most 15 digits: below 2^53, exact. `-0` is 0, as serde_json reads it.
            let x = n as f64;
            return Ok(if negative && n != 0 { -x } else { x });
        }
        let text = self.text.get(start..self.pos).ok_or("invalid number")?;
        float::parse(text).ok_or("number out of range")
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
    }
}

fn nested(depth: u32) -> Step<u32> {
    if depth >= MAX_DEPTH {
        Err("nesting too deep")
    } else {
        Ok(depth + 1)
    }
}

// proptest is a native-only dev-dependency.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;

/// Removes `null` members of every object, so that absent fields are absent in the JSON
/// this crate writes (snapshots, customer states).
pub(crate) fn strip_nulls(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(strip_nulls);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}
