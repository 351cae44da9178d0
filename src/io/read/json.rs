//! A small JSON reader for scenario files.
//!
//! Reading happens in one pass, with a second only for a refused file:
//!
//! 1. This reader builds a light tree ([`Json`]) as it checks the syntax,
//!    as strictly as [`serde_json`] does (the number grammar, no control
//!    character in a string, escapes, structure). Numbers are converted
//!    with `str::parse::<f64>`, which rounds correctly, so coordinates
//!    written with full precision read back bit for bit (serde_json's
//!    default float conversion can be one unit in the last place off). A
//!    number too large for an `f64` (`1e999`) is an [`Error::Parse`] at
//!    its line and column.
//! 2. When the file is refused (for its syntax or, by the caller, for its
//!    contents), [`serde_json`] checks the syntax of the whole file
//!    without building anything (`IgnoredAny`, [`syntax_first`]): a syntax
//!    error anywhere in it is the error reported, with the line and column
//!    serde_json gives, before any other. So the errors are those of a
//!    syntax check followed by a reading, without the syntax check's time
//!    for the files that load. A document nested deeper than
//!    [`CHECKED_DEPTH`] is also checked by serde_json when it loads.
//!
//! The tree stores positions compactly: an array of two or more numbers is a
//! [`Json::Pos`] (extra numbers such as an altitude are dropped) and an array
//! of positions is a [`Json::Line`], so a ring costs 16 bytes per vertex.
//!
//! Large documents are streamed one element at a time with
//! [`Parser::object`] and [`Parser::array`], so a `features` array is never
//! held in memory as a whole.

use std::borrow::Cow;
use std::path::Path;

use geo::Coord;
use serde::de::IgnoredAny;

use crate::{Error, Result};

/// Deepest nesting the reader follows (serde_json stops at 128 already).
const MAX_DEPTH: usize = 256;

/// Nesting up to which this reader's checks are known to be serde_json's:
/// a document nested deeper is checked by serde_json too (which refuses
/// more than 128 levels). GeoJSON nests six deep.
pub(crate) const CHECKED_DEPTH: usize = 64;

/// A JSON number: its `f64` value and, for an integer literal that fits, its
/// exact `i64` value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Num {
    /// The value, correctly rounded.
    pub value: f64,
    /// The exact value of an integer literal (no `.`, no exponent) in `i64`.
    pub int: Option<i64>,
}

/// A parsed JSON value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Json<'t> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Num(Num),
    /// A string.
    Str(Cow<'t, str>),
    /// An array that is neither a position nor an array of positions.
    Arr(Vec<Json<'t>>),
    /// An object, members in document order (a repeated key: the last wins).
    Obj(Vec<(Cow<'t, str>, Json<'t>)>),
    /// An array of two or more numbers: `[x, y, ...]` (numbers after the
    /// second are dropped).
    Pos(Coord<f64>),
    /// A non-empty array whose elements are all positions.
    Line(Vec<Coord<f64>>),
}

impl<'t> Json<'t> {
    /// The JSON type name, for messages: `null`, `boolean`, `number`,
    /// `string`, `array` or `object`.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "boolean",
            Json::Num(_) => "number",
            Json::Str(_) => "string",
            Json::Arr(_) | Json::Pos(_) | Json::Line(_) => "array",
            Json::Obj(_) => "object",
        }
    }

    /// Member `key` of an object (the last one when repeated); `None` for a
    /// missing key or a value that is not an object.
    pub(crate) fn get(&self, key: &str) -> Option<&Json<'t>> {
        match self {
            Json::Obj(members) => members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Whether this is an empty array.
    pub(crate) fn is_empty_array(&self) -> bool {
        matches!(self, Json::Arr(v) if v.is_empty())
    }
}

/// One-based line and column (in characters) of byte offset `at` in `src`.
pub(crate) fn line_col(src: &[u8], at: usize) -> (usize, usize) {
    let at = at.min(src.len());
    let before = src.get(..at).unwrap_or_default();
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let rest = before.get(line_start..).unwrap_or_default();
    // count characters, not bytes: skip UTF-8 continuation bytes
    let column = rest.iter().filter(|&&b| (b & 0xC0) != 0x80).count() + 1;
    (line, column)
}

/// Checks the syntax of `bytes` with serde_json and that they are UTF-8;
/// returns the text (without a leading byte order mark).
pub(crate) fn check_syntax<'a>(path: &Path, bytes: &'a [u8]) -> Result<&'a str> {
    let bytes = without_bom(bytes);
    if let Err(e) = serde_json::from_slice::<IgnoredAny>(bytes) {
        return Err(serde_error(path, &e));
    }
    utf8(path, bytes)
}

/// `bytes` without a leading UTF-8 byte order mark.
fn without_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// `bytes` as text, or the position of the first byte that is not UTF-8.
fn utf8<'a>(path: &Path, bytes: &'a [u8]) -> Result<&'a str> {
    std::str::from_utf8(bytes).map_err(|e| {
        let (line, column) = line_col(bytes, e.valid_up_to());
        Error::Parse {
            path: path.to_path_buf(),
            line,
            column,
            message: "invalid UTF-8".into(),
        }
    })
}

/// The text of `bytes` (without a leading byte order mark) for a
/// [`Parser`], whose reading checks its syntax: on an error of that
/// reading, or of the caller's, pass it through [`syntax_first`].
pub(crate) fn text_of<'a>(path: &Path, bytes: &'a [u8]) -> Result<&'a str> {
    utf8(path, without_bom(bytes)).map_err(|e| syntax_first(path, bytes, e))
}

/// The error to report for the file `bytes` refused with `error`: the
/// syntax error serde_json finds in it if any (as [`check_syntax`] would
/// have reported it before reading), else `error`.
pub(crate) fn syntax_first(path: &Path, bytes: &[u8], error: Error) -> Error {
    match check_syntax(path, bytes) {
        Err(syntax) => syntax,
        Ok(_) => error,
    }
}

/// An [`Error::Parse`] from a serde_json error (its position taken out of
/// the message and into the fields).
fn serde_error(path: &Path, e: &serde_json::Error) -> Error {
    let line = e.line().max(1);
    let column = e.column().max(1);
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let message = text.strip_suffix(&suffix).unwrap_or(&text).to_owned();
    Error::Parse {
        path: path.to_path_buf(),
        line,
        column,
        message,
    }
}

/// A reader over a JSON text that checks its syntax as it reads (see the
/// module docs), failing with an [`Error::Parse`] at the first error.
pub(crate) struct Parser<'a> {
    text: &'a str,
    src: &'a [u8],
    pos: usize,
    path: &'a Path,
    /// The deepest nesting met so far.
    deepest: usize,
}

impl<'a> Parser<'a> {
    /// A reader at the start of `text`.
    pub(crate) fn new(path: &'a Path, text: &'a str) -> Self {
        Parser {
            text,
            src: text.as_bytes(),
            pos: 0,
            path,
            deepest: 0,
        }
    }

    /// Whether the nesting met so far is within [`CHECKED_DEPTH`] (else
    /// the document's syntax is to be checked by serde_json too).
    pub(crate) fn within_checked_depth(&self) -> bool {
        self.deepest <= CHECKED_DEPTH
    }

    /// Enters a container at nesting `depth`.
    fn enter(&mut self, depth: usize) -> Result<()> {
        if depth > MAX_DEPTH {
            return Err(self.error(self.pos, "nesting too deep"));
        }
        self.deepest = self.deepest.max(depth);
        Ok(())
    }

    fn error(&self, at: usize, message: impl Into<String>) -> Error {
        let (line, column) = line_col(self.src, at);
        Error::Parse {
            path: self.path.to_path_buf(),
            line,
            column,
            message: message.into(),
        }
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.src.get(self.pos) {
            self.pos += 1;
        }
    }

    /// The next significant byte, after whitespace.
    pub(crate) fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.src.get(self.pos).copied()
    }

    fn expect(&mut self, byte: u8) -> Result<()> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(self.pos, format!("expected `{}`", byte as char)))
        }
    }

    /// Checks that only whitespace is left.
    pub(crate) fn finish(&mut self) -> Result<()> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(self.error(self.pos, "trailing characters")),
        }
    }

    /// Reads one value.
    pub(crate) fn value(&mut self, depth: usize) -> Result<Json<'a>> {
        self.enter(depth)?;
        match self.peek() {
            Some(b'{') => {
                // room for a feature's properties at once: grown from
                // four, most would be copied once on the way
                let mut members = Vec::with_capacity(8);
                self.object(depth, |p, key| {
                    let v = p.value(depth + 1)?;
                    members.push((key, v));
                    Ok(())
                })?;
                Ok(Json::Obj(members))
            }
            Some(b'[') => self.array_value(depth),
            Some(b'"') => self.string().map(Json::Str),
            Some(b't') => self.literal("true", Json::Bool(true)),
            Some(b'f') => self.literal("false", Json::Bool(false)),
            Some(b'n') => self.literal("null", Json::Null),
            Some(b'-' | b'0'..=b'9') => self.number().map(Json::Num),
            Some(_) => Err(self.error(self.pos, "expected a value")),
            None => Err(self.error(self.pos, "unexpected end of file")),
        }
    }

    /// Reads an array value. Positions and arrays of positions, the bulk of
    /// any GeoJSON file, are read without an intermediate `Vec<Json>`.
    fn array_value(&mut self, depth: usize) -> Result<Json<'a>> {
        self.enter(depth)?;
        self.expect(b'[')?;
        let mut items: Vec<Json<'a>> = Vec::new();
        match self.peek() {
            Some(b']') => {
                self.pos += 1;
                return Ok(Json::Arr(items));
            }
            Some(b'-' | b'0'..=b'9') => {
                // a position, unless something other than a number follows
                let x = self.number()?;
                let mut y: Option<Num> = None;
                let mut more: Vec<Num> = Vec::new();
                loop {
                    if self.close_or_comma()? {
                        return Ok(match y {
                            Some(y) => Json::Pos(Coord {
                                x: x.value,
                                y: y.value,
                            }),
                            None => Json::Arr(vec![Json::Num(x)]),
                        });
                    }
                    if !matches!(self.peek(), Some(b'-' | b'0'..=b'9')) {
                        items.push(Json::Num(x));
                        items.extend(y.map(Json::Num));
                        items.extend(more.drain(..).map(Json::Num));
                        break;
                    }
                    let n = self.number()?;
                    match y {
                        None => y = Some(n),
                        Some(_) => more.push(n),
                    }
                }
            }
            Some(b'[') => {
                // an array of positions, unless an element is not a position
                let mut coords: Vec<Coord<f64>> = Vec::new();
                loop {
                    if self.peek() != Some(b'[') {
                        items.extend(coords.drain(..).map(Json::Pos));
                        break;
                    }
                    match self.value(depth + 1)? {
                        Json::Pos(c) => coords.push(c),
                        other => {
                            items.extend(coords.drain(..).map(Json::Pos));
                            items.push(other);
                            if self.close_or_comma()? {
                                return Ok(compact_array(items));
                            }
                            break;
                        }
                    }
                    if self.close_or_comma()? {
                        return Ok(Json::Line(coords));
                    }
                }
            }
            _ => {}
        }
        // generic elements from here on
        loop {
            items.push(self.value(depth + 1)?);
            if self.close_or_comma()? {
                return Ok(compact_array(items));
            }
        }
    }

    /// After an array element: consumes `]` (returning `true`) or `,`.
    fn close_or_comma(&mut self) -> Result<bool> {
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                Ok(false)
            }
            Some(b']') => {
                self.pos += 1;
                Ok(true)
            }
            _ => Err(self.error(self.pos, "expected `,` or `]`")),
        }
    }

    fn literal(&mut self, word: &str, value: Json<'a>) -> Result<Json<'a>> {
        let end = self.pos + word.len();
        if self.src.get(self.pos..end) == Some(word.as_bytes()) {
            self.pos = end;
            Ok(value)
        } else {
            Err(self.error(self.pos, "expected a value"))
        }
    }

    /// Reads an object, calling `member(parser, key)` for each member; the
    /// callback must read the member's value.
    pub(crate) fn object(
        &mut self,
        depth: usize,
        mut member: impl FnMut(&mut Self, Cow<'a, str>) -> Result<()>,
    ) -> Result<()> {
        self.enter(depth)?;
        self.expect(b'{')?;
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            if self.peek() != Some(b'"') {
                return Err(self.error(self.pos, "expected a key"));
            }
            let key = self.string()?;
            self.expect(b':')?;
            member(self, key)?;
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.error(self.pos, "expected `,` or `}`")),
            }
        }
    }

    /// Reads an array, calling `element(parser, index)` for each element;
    /// the callback must read the element.
    pub(crate) fn array(
        &mut self,
        depth: usize,
        mut element: impl FnMut(&mut Self, usize) -> Result<()>,
    ) -> Result<()> {
        self.enter(depth)?;
        self.expect(b'[')?;
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        let mut index = 0;
        loop {
            element(self, index)?;
            index += 1;
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.error(self.pos, "expected `,` or `]`")),
            }
        }
    }

    fn number(&mut self) -> Result<Num> {
        let start = self.pos;
        if let Some((num, end)) = plain_decimal(&self.src[start..]) {
            self.pos = start + end;
            return Ok(num);
        }
        let mut integer = true;
        while let Some(&b) = self.src.get(self.pos) {
            match b {
                b'0'..=b'9' | b'-' | b'+' => {}
                b'.' | b'e' | b'E' => integer = false,
                _ => break,
            }
            self.pos += 1;
        }
        let literal = self.text.get(start..self.pos).unwrap_or_default();
        if !is_json_number(literal.as_bytes()) {
            return Err(self.error(start, format!("invalid number `{literal}`")));
        }
        let value: f64 = literal
            .parse()
            .map_err(|_| self.error(start, format!("invalid number `{literal}`")))?;
        if !value.is_finite() {
            return Err(self.error(
                start,
                format!("number out of range: `{literal}` is not a finite 64-bit float"),
            ));
        }
        let int = if integer { literal.parse().ok() } else { None };
        Ok(Num { value, int })
    }

    fn hex4(&mut self) -> Result<u32> {
        let digits = self
            .text
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.error(self.pos, "truncated \\u escape"))?;
        // four hex digits (from_str_radix alone would take a sign)
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(self.error(self.pos, "invalid \\u escape"));
        }
        let v = u32::from_str_radix(digits, 16)
            .map_err(|_| self.error(self.pos, "invalid \\u escape"))?;
        self.pos += 4;
        Ok(v)
    }

    /// A string: borrowed from the text unless it holds escapes.
    fn string(&mut self) -> Result<Cow<'a, str>> {
        let open = self.pos;
        self.expect(b'"')?;
        let first = self.pos;
        let mut out = String::new();
        loop {
            let run_start = self.pos;
            self.pos = string_run_end(self.src, self.pos);
            if self.src.get(self.pos).is_some_and(|&b| b < 0x20) {
                return Err(self.error(self.pos, "control character in a string"));
            }
            let run = self.text.get(run_start..self.pos).unwrap_or_default();
            match self.src.get(self.pos) {
                Some(b'"') if run_start == first => {
                    // no escape met: the text itself
                    self.pos += 1;
                    return Ok(Cow::Borrowed(run));
                }
                Some(b'"') => {
                    out.push_str(run);
                    self.pos += 1;
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => {
                    out.push_str(run);
                    let at = self.pos;
                    self.pos += 1;
                    let c = self.src.get(self.pos).copied();
                    self.pos += 1;
                    match c {
                        Some(b'"') => out.push('"'),
                        Some(b'\\') => out.push('\\'),
                        Some(b'/') => out.push('/'),
                        Some(b'b') => out.push('\u{8}'),
                        Some(b'f') => out.push('\u{c}'),
                        Some(b'n') => out.push('\n'),
                        Some(b'r') => out.push('\r'),
                        Some(b't') => out.push('\t'),
                        Some(b'u') => {
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi) {
                                if self.src.get(self.pos..self.pos + 2) != Some(b"\\u") {
                                    return Err(
                                        self.error(at, "lone leading surrogate in \\u escape")
                                    );
                                }
                                self.pos += 2;
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(
                                        self.error(at, "invalid surrogate pair in \\u escape")
                                    );
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            let ch = char::from_u32(code).ok_or_else(|| {
                                self.error(at, "lone trailing surrogate in \\u escape")
                            })?;
                            out.push(ch);
                        }
                        _ => return Err(self.error(at, "invalid escape")),
                    }
                }
                _ => return Err(self.error(open, "unterminated string")),
            }
        }
    }
}

/// Whether `s` is a JSON number: `-`? then `0` or a digit 1–9 and digits,
/// then optionally `.` and digits, then optionally `e` or `E`, a sign and
/// digits.
/// Powers of ten exactly representable in `f64`.
const EXACT_POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// The index of the first quote, backslash or control character (below
/// 0x20) of `src` at or after `from`, or `src.len()`: eight bytes at a
/// time where eight are left (the lowest byte a word-wide test flags is
/// always a true one; borrows only reach the bytes above it), then byte
/// by byte.
fn string_run_end(src: &[u8], from: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // the bytes of `x` that are zero, flagged by their high bit
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    let mut i = from;
    while let Some(chunk) = src.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let v = u64::from_le_bytes(word);
        let found = zero(v ^ (ONES * u64::from(b'"')))
            | zero(v ^ (ONES * u64::from(b'\\')))
            | (v.wrapping_sub(ONES * 0x20) & !v & HIGHS);
        if found != 0 {
            return i + (found.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&b) = src.get(i) {
        if b == b'"' || b == b'\\' || b < 0x20 {
            break;
        }
        i += 1;
    }
    i
}

/// The common number of a scenario file, read in one pass: a JSON number
/// without exponent, of at most 15 digits, at the start of `s` (and not
/// followed by a character a number may hold). Its digits make an integer
/// below 2⁵³ and its decimals a power of ten of at most 10²², both exact
/// in `f64`, so their one division is the correctly rounded value (the
/// fast path of Clinger's algorithm): the same `f64` as `str::parse`.
/// Returns the number and its length; `None` leaves the literal to the
/// general path (which also reports malformed numbers).
fn plain_decimal(s: &[u8]) -> Option<(Num, usize)> {
    const MAX_DIGITS: usize = 15;
    let negative = s.first() == Some(&b'-');
    let mut i = usize::from(negative);
    let (mut mantissa, mut digits) = (0u64, 0usize);
    // the digits from `i` on, into the mantissa: how many (`None` past
    // MAX_DIGITS in all)
    let mut run = |i: &mut usize| -> Option<usize> {
        let start = *i;
        while let Some(&b) = s.get(*i).filter(|b| b.is_ascii_digit()) {
            digits += 1;
            if digits > MAX_DIGITS {
                return None;
            }
            mantissa = mantissa * 10 + u64::from(b - b'0');
            *i += 1;
        }
        Some(*i - start)
    };
    // integer part: `0` alone or a non-zero digit first
    let integer = run(&mut i)?;
    if integer == 0 || (integer > 1 && s[usize::from(negative)] == b'0') {
        return None;
    }
    let mut decimals = 0;
    if s.get(i) == Some(&b'.') {
        i += 1;
        decimals = run(&mut i)?;
        if decimals == 0 {
            return None;
        }
    }
    // an exponent, a second sign or a stray digit: the general path
    if matches!(
        s.get(i),
        Some(b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-')
    ) {
        return None;
    }
    let magnitude = mantissa as f64 / EXACT_POWERS_OF_TEN[decimals];
    let value = if negative { -magnitude } else { magnitude };
    let int = (decimals == 0).then(|| {
        let m = mantissa as i64;
        if negative {
            -m
        } else {
            m
        }
    });
    Some((Num { value, int }, i))
}

fn is_json_number(s: &[u8]) -> bool {
    let digits = |mut i: usize| {
        let start = i;
        while s.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        (i > start).then_some(i)
    };
    let mut i = usize::from(s.first() == Some(&b'-'));
    i = match s.get(i) {
        Some(b'0') => i + 1,
        Some(b'1'..=b'9') => match digits(i) {
            Some(end) => end,
            None => return false,
        },
        _ => return false,
    };
    if s.get(i) == Some(&b'.') {
        match digits(i + 1) {
            Some(end) => i = end,
            None => return false,
        }
    }
    if let Some(b'e' | b'E') = s.get(i) {
        i += 1;
        if let Some(b'+' | b'-') = s.get(i) {
            i += 1;
        }
        match digits(i) {
            Some(end) => i = end,
            None => return false,
        }
    }
    i == s.len()
}

/// Turns the elements of an array into the most compact [`Json`].
fn compact_array(items: Vec<Json<'_>>) -> Json<'_> {
    if let [Json::Num(x), Json::Num(y), rest @ ..] = items.as_slice() {
        if rest.iter().all(|j| matches!(j, Json::Num(_))) {
            return Json::Pos(Coord {
                x: x.value,
                y: y.value,
            });
        }
    }
    if !items.is_empty() && items.iter().all(|j| matches!(j, Json::Pos(_))) {
        let coords = items
            .iter()
            .filter_map(|j| match j {
                Json::Pos(c) => Some(*c),
                _ => None,
            })
            .collect();
        return Json::Line(coords);
    }
    Json::Arr(items)
}

/// Parses a whole document into a tree (the errors of [`check_syntax`] first).
#[cfg(test)]
pub(crate) fn parse<'a>(path: &'a Path, bytes: &'a [u8]) -> Result<Json<'a>> {
    let text = text_of(path, bytes)?;
    let mut p = Parser::new(path, text);
    let read = p.value(0).and_then(|v| p.finish().map(|()| v));
    match read {
        Ok(v) if p.within_checked_depth() => Ok(v),
        Ok(v) => check_syntax(path, bytes).map(|_| v),
        Err(e) => Err(syntax_first(path, bytes, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(s: &str) -> Result<Json<'_>> {
        parse(Path::new("t.json"), s.as_bytes())
    }

    #[test]
    fn scalars_and_containers() {
        let v = parse_str(r#"{"a": [1, "x", true, null], "b": {"c": -2.5e1}}"#).unwrap();
        let a = v.get("a").unwrap();
        assert_eq!(
            a,
            &Json::Arr(vec![
                Json::Num(Num {
                    value: 1.0,
                    int: Some(1)
                }),
                Json::Str("x".into()),
                Json::Bool(true),
                Json::Null
            ])
        );
        assert_eq!(
            v.get("b").unwrap().get("c"),
            Some(&Json::Num(Num {
                value: -25.0,
                int: None
            }))
        );
    }

    #[test]
    fn positions_and_lines_are_compact() {
        let v = parse_str("[[1, 2], [3, 4, 5]]").unwrap();
        assert_eq!(
            v,
            Json::Line(vec![Coord { x: 1.0, y: 2.0 }, Coord { x: 3.0, y: 4.0 }])
        );
        assert_eq!(parse_str("[1]").unwrap().type_name(), "array");
        assert!(matches!(parse_str("[[1], [2, 3]]").unwrap(), Json::Arr(_)));
        assert!(parse_str("[]").unwrap().is_empty_array());
        // mixed arrays fall back to the generic form, keeping every element
        let mixed = parse_str("[1, 2, 3, \"x\"]").unwrap();
        assert!(matches!(&mixed, Json::Arr(v) if v.len() == 4), "{mixed:?}");
        let mixed = parse_str("[[1, 2], [3, 4], 5, [6, 7]]").unwrap();
        match &mixed {
            Json::Arr(v) => {
                assert_eq!(v.len(), 4);
                assert_eq!(v[1], Json::Pos(Coord { x: 3.0, y: 4.0 }));
                assert!(matches!(v[2], Json::Num(_)));
            }
            other => panic!("{other:?}"),
        }
        let mixed = parse_str("[[1, 2], [3], [4, 5]]").unwrap();
        assert!(matches!(&mixed, Json::Arr(v) if v.len() == 3), "{mixed:?}");
        let mixed = parse_str("[[[1, 2]], [3, 4]]").unwrap();
        assert!(matches!(&mixed, Json::Arr(v) if v.len() == 2), "{mixed:?}");
        assert_eq!(
            parse_str("[[1, 2, 3, 4]]").unwrap(),
            Json::Line(vec![Coord { x: 1.0, y: 2.0 }])
        );
    }

    /// The word-wide scan stops where the byte-by-byte one does: at the
    /// first quote, backslash or control character, or at the end.
    #[test]
    fn string_runs_end_where_a_byte_scan_ends() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let alphabet: &[u8] = b"aZ09 ~\x7f\"\\\x00\x1f\x20\x80\xc3\xa9\xff";
        for _ in 0..20_000 {
            let len = rng.random_range(0..40);
            let src: Vec<u8> = (0..len)
                .map(|_| {
                    if rng.random_bool(0.8) {
                        b'a' + rng.random_range(0..26u8)
                    } else {
                        alphabet[rng.random_range(0..alphabet.len())]
                    }
                })
                .collect();
            let from = rng.random_range(0..=len);
            let want = (from..len)
                .find(|&i| src[i] == b'"' || src[i] == b'\\' || src[i] < 0x20)
                .unwrap_or(len);
            assert_eq!(string_run_end(&src, from), want, "{src:?} from {from}");
        }
    }

    #[test]
    fn strings_unescape() {
        let v = parse_str(r#""a\"b\\c\/\n\u00e9\ud83d\ude00 Phường""#).unwrap();
        assert_eq!(v, Json::Str("a\"b\\c/\né😀 Phường".into()));
        assert!(parse_str(r#""\ud800""#).is_err());
        assert!(parse_str(r#""\udc00""#).is_err());
    }

    #[test]
    fn floats_are_correctly_rounded() {
        // values serde_json's default (fast) conversion gets one ulp wrong
        for x in [
            105.84123456789012_f64,
            0.1 + 0.2,
            -179.99999999999997,
            21.028511,
            1e-300,
        ] {
            let text = serde_json::to_string(&x).unwrap();
            match parse_str(&text).unwrap() {
                Json::Num(n) => assert_eq!(n.value.to_bits(), x.to_bits(), "{text}"),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn syntax_errors_have_line_and_column() {
        match parse_str("{\n  \"a\": NaN\n}") {
            Err(Error::Parse { line, column, .. }) => {
                assert_eq!(line, 2);
                assert!(column >= 8, "{column}");
            }
            other => panic!("{other:?}"),
        }
        match parse_str("[1, 2") {
            Err(Error::Parse { line, .. }) => assert_eq!(line, 1),
            other => panic!("{other:?}"),
        }
        match parse_str("[1,\n 1e999]") {
            Err(Error::Parse { line, message, .. }) => {
                assert_eq!(line, 2);
                assert!(message.contains("out of range"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    /// The reading as it was: serde_json's syntax check of the whole file,
    /// then this reader.
    fn checked_then_read<'a>(path: &'a Path, bytes: &'a [u8]) -> Result<Json<'a>> {
        let text = check_syntax(path, bytes)?;
        let mut p = Parser::new(path, text);
        let v = p.value(0)?;
        p.finish()?;
        Ok(v)
    }

    /// One reading that checks the syntax (and serde_json's check only for
    /// a refused file) gives what the check followed by the reading gave:
    /// the same tree, or the same error (message, line and column), on
    /// numbers, strings and structures chosen at the edges of the grammar
    /// and on 300,000 random edits of valid documents.
    #[test]
    fn one_checking_pass_gives_what_check_then_read_gave() {
        let path = Path::new("t.json");
        let same = |bytes: &[u8]| {
            let (new, old) = (parse(path, bytes), checked_then_read(path, bytes));
            let show = |r: &Result<Json<'_>>| match r {
                Ok(v) => format!("{v:?}"),
                Err(e) => format!("error {e}"),
            };
            assert_eq!(
                show(&new),
                show(&old),
                "{:?}",
                String::from_utf8_lossy(bytes)
            );
        };
        let edges = [
            "0",
            "-0",
            "01",
            "-01",
            "1.",
            ".5",
            "+1",
            "-",
            "1e",
            "1e+",
            "1E-0",
            "1.5e3",
            "0.0e-0",
            "1.5.5",
            "1e5e5",
            "--1",
            "1-",
            "0x10",
            "1e999",
            "-1e999",
            "2.",
            "[1.]",
            "[.5]",
            "[+1, 2]",
            "[1, 2,]",
            "[1 2]",
            r#"{"a":1,}"#,
            r#"{"a" 1}"#,
            "{a:1}",
            "\"a\u{1}b\"",
            "\"a\u{1f}b\"",
            "\"tab\there\"",
            r#""\x""#,
            r#""\u12""#,
            r#""\ud800""#,
            r#""\ud800\udc00""#,
            r#""\udc00""#,
            "tru",
            "nul",
            "true1",
            "[true false]",
            "[] []",
            "",
            " ",
            "[",
            "]",
            "{",
            "}",
            "\"",
            "[\"\n\"]",
            "[1,\n 2\u{7f}]",
            r#"{"a":[[1,2],[3,4]],"b":null}"#,
        ];
        for e in edges {
            same(e.as_bytes());
        }
        // nesting: serde_json refuses more than 128 levels
        for depth in [60, 70, 127, 128, 129, 200, 300] {
            same(format!("{}{}", "[".repeat(depth), "]".repeat(depth)).as_bytes());
            same(format!("{}1{}", "[".repeat(depth), "]".repeat(depth)).as_bytes());
        }
        let seeds: [&[u8]; 4] = [
            br#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"A-1","n":12,"x":-0.5e-3,"ok":true,"no":null,"s":"\u00e9\n"},"geometry":{"type":"Polygon","coordinates":[[[105.1,10.2],[105.3,10.2],[105.3,10.4],[105.1,10.2]]]}}]}"#,
            br#"[1, -2.5, 3e10, "a\"b", {"k": [true, false, null]}, [], {}]"#,
            b"{\n  \"a\": [0, 0.25, -7],\n  \"b\": \"tab\\tend\"\n}\n",
            b"[[1,2],[3,4],[5,6,7]]",
        ];
        let alphabet: &[u8] = b"{}[],:\\\"-+.eE0129 \n\tntfu\x01\x1fa";
        let mut x = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |m: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % m as u64) as usize
        };
        for round in 0..300_000 {
            let mut doc = seeds[round % seeds.len()].to_vec();
            for _ in 0..1 + next(3) {
                let at = next(doc.len() + 1);
                match next(4) {
                    0 if at < doc.len() => {
                        doc.remove(at);
                    }
                    1 if at < doc.len() => doc[at] = alphabet[next(alphabet.len())],
                    2 => doc.insert(at, [0xff, 0xc3, 0xa9][next(3)]),
                    _ => doc.insert(at, alphabet[next(alphabet.len())]),
                }
            }
            same(&doc);
        }
    }

    #[test]
    fn invalid_utf8_is_a_parse_error() {
        let bytes = b"[\"a\xff\"]";
        assert!(matches!(
            parse(Path::new("t.json"), bytes),
            Err(Error::Parse { .. })
        ));
    }

    #[test]
    fn byte_order_mark_is_skipped() {
        let bytes = b"\xEF\xBB\xBF[1, 2]";
        assert!(matches!(
            parse(Path::new("t.json"), bytes).unwrap(),
            Json::Pos(_)
        ));
    }

    #[test]
    fn line_col_counts_characters() {
        let s = "ab\nxé y";
        assert_eq!(line_col(s.as_bytes(), 0), (1, 1));
        assert_eq!(line_col(s.as_bytes(), 3), (2, 1));
        let y = s.find('y').unwrap();
        assert_eq!(line_col(s.as_bytes(), y), (2, 4));
    }

    /// The general path of [`Parser::number`]: the grammar, then the
    /// standard library's correctly rounded parse.
    fn general_number(literal: &str) -> Option<Num> {
        is_json_number(literal.as_bytes()).then(|| Num {
            value: literal.parse().unwrap(),
            int: if literal.contains(['.', 'e', 'E']) {
                None
            } else {
                literal.parse().ok()
            },
        })
    }

    /// `plain_decimal` against the general path on `literal` followed by
    /// `after`: the same value to the bit (and the same integer) for the
    /// characters the general path takes as the literal, or no answer.
    fn check_plain(literal: &str, after: &str) {
        let text = format!("{literal}{after}");
        let scanned = text
            .split(|c: char| !(c.is_ascii_digit() || "+-.eE".contains(c)))
            .next()
            .unwrap_or_default();
        match plain_decimal(text.as_bytes()) {
            Some((num, end)) => {
                let general = general_number(scanned)
                    .unwrap_or_else(|| panic!("`{scanned}` read but not a JSON number"));
                assert_eq!(end, scanned.len(), "`{text}`");
                assert_eq!(num.value.to_bits(), general.value.to_bits(), "`{text}`");
                assert_eq!(num.int, general.int, "`{text}`");
            }
            None => {
                // left to the general path only when needed: an exponent,
                // more than 15 digits, or not a number
                let digits = scanned.bytes().filter(u8::is_ascii_digit).count();
                assert!(
                    scanned.contains(['e', 'E'])
                        || digits > 15
                        || general_number(scanned).is_none(),
                    "`{text}` left to the general path"
                );
            }
        }
    }

    #[test]
    fn plain_decimals_read_as_the_standard_library_does() {
        for literal in [
            "0",
            "-0",
            "0.0",
            "-0.0",
            "1",
            "-1",
            "105.775861",
            "10.031009",
            "0.1",
            "0.3",
            "999999999999999",
            "-999999999999999",
            "99999999999999.9",
            "0.00000000000001",
            "9007199254740993",
            "1.0000000000000002",
            "123456789012345.6",
            "1e5",
            "1.5E-3",
            "01",
            "1.",
            ".5",
            "-",
            "--1",
            "+1",
            "1.2.3",
            "1e",
            "0x10",
        ] {
            for after in ["", ",", "]", "}", " ", "x", "5", ".", "e", "-"] {
                check_plain(literal, after);
            }
        }
        // through the parser: the same trees as before
        let v = parse_str("[105.775861,10.031009]").unwrap();
        let Json::Pos(c) = v else { panic!("{v:?}") };
        assert_eq!(c.x.to_bits(), 105.775861f64.to_bits());
        assert_eq!(c.y.to_bits(), 10.031009f64.to_bits());
        let v = parse_str(r#"{"z": -0, "n": 12}"#).unwrap();
        let Some(Json::Num(z)) = v.get("z") else {
            panic!("{v:?}")
        };
        assert!(z.value == 0.0 && z.value.is_sign_negative() && z.int == Some(0));
        assert_eq!(
            v.get("n"),
            Some(&Json::Num(Num {
                value: 12.0,
                int: Some(12)
            }))
        );
    }

    proptest::proptest! {
        #[test]
        fn plain_decimals_agree_with_the_general_path(
            literal in "-?(0|[1-9][0-9]{0,17})(\\.[0-9]{1,20})?([eE][+-]?[0-9]{1,2})?",
            after in "[],} x0.e-]?",
        ) {
            check_plain(&literal, &after);
        }
    }

    mod against_serde_json {
        use super::*;
        use proptest::prelude::*;
        use serde_json::Value;

        fn arb_value() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::from),
                any::<i64>().prop_map(Value::from),
                any::<f64>()
                    .prop_filter("finite", |x| x.is_finite())
                    .prop_map(Value::from),
                (-180.0..180.0f64).prop_map(Value::from),
                any::<String>().prop_map(Value::from),
            ];
            leaf.prop_recursive(5, 64, 6, |inner| {
                prop_oneof![
                    proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
                    proptest::collection::vec((-180.0..180.0f64).prop_map(Value::from), 2..4)
                        .prop_map(Value::from),
                    proptest::collection::btree_map(any::<String>(), inner, 0..4)
                        .prop_map(|m| Value::Object(m.into_iter().collect())),
                ]
            })
        }

        /// What the reader keeps: a position is its first two numbers as floats.
        fn normalize(v: &Value) -> Value {
            match v {
                Value::Array(items) if items.len() >= 2 && items.iter().all(Value::is_number) => {
                    Value::from(vec![
                        Value::from(items[0].as_f64().unwrap()),
                        Value::from(items[1].as_f64().unwrap()),
                    ])
                }
                Value::Array(items) => Value::from(items.iter().map(normalize).collect::<Vec<_>>()),
                Value::Object(m) => {
                    Value::Object(m.iter().map(|(k, v)| (k.clone(), normalize(v))).collect())
                }
                other => other.clone(),
            }
        }

        fn to_value(j: &Json<'_>) -> Value {
            let pos = |c: &Coord<f64>| Value::from(vec![Value::from(c.x), Value::from(c.y)]);
            match j {
                Json::Null => Value::Null,
                Json::Bool(b) => Value::from(*b),
                Json::Num(n) => match n.int {
                    Some(i) => Value::from(i),
                    None => Value::from(n.value),
                },
                Json::Str(s) => Value::from(&**s),
                Json::Arr(items) => Value::from(items.iter().map(to_value).collect::<Vec<_>>()),
                Json::Obj(members) => Value::Object(
                    members
                        .iter()
                        .map(|(k, v)| (k.to_string(), to_value(v)))
                        .collect(),
                ),
                Json::Pos(c) => pos(c),
                Json::Line(cs) => Value::from(cs.iter().map(pos).collect::<Vec<_>>()),
            }
        }

        proptest! {
            #[test]
            fn reads_what_serde_json_writes(v in arb_value()) {
                let expected = normalize(&v);
                for text in [serde_json::to_string(&v).unwrap(), serde_json::to_string_pretty(&v).unwrap()] {
                    let parsed = parse(Path::new("t.json"), text.as_bytes()).unwrap();
                    prop_assert_eq!(&to_value(&parsed), &expected);
                }
            }
        }
    }
}
