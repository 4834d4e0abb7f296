//! to_char(number, text) and to_number(text, text): a port of PostgreSQL
//! 15's numeric format processor (formatting.c: parse_format with the NUM
//! keywords, NUMDesc_prepare, NUM_processor and its digit helpers), in the C
//! locale (decimal point '.', group separator ',', currency symbol ' ').
//! Roman numerals (RN) are not implemented and report 0A000.

use crate::error::{SqlError, SqlResult};
use crate::numeric::Numeric;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Key {
    Comma,
    Dec,
    Zero,
    Nine,
    B,
    C,
    D,
    Eeee,
    Fm,
    G,
    L,
    Mi,
    Pl,
    Pr,
    Rn,
    Sg,
    Sp,
    S,
    ThUpper,
    ThLower,
    V,
}

/// Keywords in formatting.c's order: the first match at a position wins.
const KEYWORDS: &[(&str, Key)] = &[
    (",", Key::Comma),
    (".", Key::Dec),
    ("0", Key::Zero),
    ("9", Key::Nine),
    ("B", Key::B),
    ("C", Key::C),
    ("D", Key::D),
    ("EEEE", Key::Eeee),
    ("FM", Key::Fm),
    ("G", Key::G),
    ("L", Key::L),
    ("MI", Key::Mi),
    ("PL", Key::Pl),
    ("PR", Key::Pr),
    ("RN", Key::Rn),
    ("SG", Key::Sg),
    ("SP", Key::Sp),
    ("S", Key::S),
    ("TH", Key::ThUpper),
    ("V", Key::V),
    ("b", Key::B),
    ("c", Key::C),
    ("d", Key::D),
    ("eeee", Key::Eeee),
    ("fm", Key::Fm),
    ("g", Key::G),
    ("l", Key::L),
    ("mi", Key::Mi),
    ("pl", Key::Pl),
    ("pr", Key::Pr),
    ("rn", Key::Rn),
    ("sg", Key::Sg),
    ("sp", Key::Sp),
    ("s", Key::S),
    ("th", Key::ThLower),
    ("v", Key::V),
];

#[derive(Clone, Debug)]
enum Node {
    Action(Key),
    /// A literal character (quoted text, spaces, anything not a keyword).
    Char(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LocaleSign {
    None,
    Pre,
    Post,
}

/// NUMDesc: what the format asks for.
#[derive(Clone, Debug)]
struct Desc {
    pre: i32,
    post: i32,
    lsign: LocaleSign,
    decimal: bool,
    zero: bool,
    blank: bool,
    fillmode: bool,
    locale_sign: bool,
    bracket: bool,
    minus: bool,
    plus: bool,
    roman: bool,
    multi_flag: bool,
    eeee: bool,
    zero_start: i32,
    zero_end: i32,
    multi: i32,
    pre_lsign_num: i32,
}

fn syntax(msg: &str) -> SqlError {
    SqlError::new("42601", msg)
}

fn parse_format(fmt: &str) -> SqlResult<(Vec<Node>, Desc)> {
    let mut d = Desc {
        pre: 0,
        post: 0,
        lsign: LocaleSign::None,
        decimal: false,
        zero: false,
        blank: false,
        fillmode: false,
        locale_sign: false,
        bracket: false,
        minus: false,
        plus: false,
        roman: false,
        multi_flag: false,
        eeee: false,
        zero_start: 0,
        zero_end: 0,
        multi: 0,
        pre_lsign_num: 0,
    };
    let mut nodes = Vec::new();
    let chars: Vec<char> = fmt.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let rest: String = chars[i..chars.len().min(i + 4)].iter().collect();
        if let Some((word, key)) = KEYWORDS.iter().find(|(w, _)| rest.starts_with(w)) {
            prepare(&mut d, *key)?;
            nodes.push(Node::Action(*key));
            i += word.chars().count();
            continue;
        }
        if chars[i] == '"' {
            i += 1;
            while i < chars.len() {
                if chars[i] == '"' {
                    i += 1;
                    break;
                }
                if chars[i] == '\\' && i + 1 < chars.len() {
                    i += 1;
                }
                nodes.push(Node::Char(chars[i].to_string()));
                i += 1;
            }
            continue;
        }
        if chars[i] == '\\' && chars.get(i + 1) == Some(&'"') {
            i += 1;
        }
        nodes.push(Node::Char(chars[i].to_string()));
        i += 1;
    }
    Ok((nodes, d))
}

/// NUMDesc_prepare: one keyword's effect on the description.
fn prepare(d: &mut Desc, key: Key) -> SqlResult<()> {
    if d.eeee && key != Key::Eeee {
        return Err(syntax("\"EEEE\" must be the last pattern used"));
    }
    match key {
        Key::Nine => {
            if d.bracket {
                return Err(syntax("\"9\" must be ahead of \"PR\""));
            }
            if d.multi_flag {
                d.multi += 1;
            } else if d.decimal {
                d.post += 1;
            } else {
                d.pre += 1;
            }
        }
        Key::Zero => {
            if d.bracket {
                return Err(syntax("\"0\" must be ahead of \"PR\""));
            }
            if !d.zero && !d.decimal {
                d.zero = true;
                d.zero_start = d.pre + 1;
            }
            if !d.decimal {
                d.pre += 1;
            } else {
                d.post += 1;
            }
            d.zero_end = d.pre + d.post;
        }
        Key::B => {
            if d.pre == 0 && d.post == 0 && !d.zero {
                d.blank = true;
            }
        }
        Key::D | Key::Dec => {
            if d.decimal {
                return Err(syntax("multiple decimal points"));
            }
            if d.multi_flag {
                return Err(syntax("cannot use \"V\" and decimal point together"));
            }
            d.decimal = true;
        }
        Key::Fm => d.fillmode = true,
        Key::S => {
            if d.locale_sign {
                return Err(syntax("cannot use \"S\" twice"));
            }
            if d.plus || d.minus || d.bracket {
                return Err(syntax(
                    "cannot use \"S\" and \"PL\"/\"MI\"/\"SG\"/\"PR\" together",
                ));
            }
            if !d.decimal {
                d.lsign = LocaleSign::Pre;
                d.pre_lsign_num = d.pre;
                d.locale_sign = true;
            } else if d.lsign == LocaleSign::None {
                d.lsign = LocaleSign::Post;
                d.locale_sign = true;
            }
        }
        Key::Mi => {
            if d.locale_sign {
                return Err(syntax("cannot use \"S\" and \"MI\" together"));
            }
            d.minus = true;
        }
        Key::Pl => {
            if d.locale_sign {
                return Err(syntax("cannot use \"S\" and \"PL\" together"));
            }
            d.plus = true;
        }
        Key::Sg => {
            if d.locale_sign {
                return Err(syntax("cannot use \"S\" and \"SG\" together"));
            }
            d.minus = true;
            d.plus = true;
        }
        Key::Pr => {
            if d.locale_sign || d.plus || d.minus {
                return Err(syntax(
                    "cannot use \"PR\" and \"S\"/\"PL\"/\"MI\"/\"SG\" together",
                ));
            }
            d.bracket = true;
        }
        Key::Rn => d.roman = true,
        Key::V => {
            if d.decimal {
                return Err(syntax("cannot use \"V\" and decimal point together"));
            }
            d.multi_flag = true;
        }
        Key::Eeee => {
            if d.eeee {
                return Err(syntax("cannot use \"EEEE\" twice"));
            }
            if d.blank
                || d.fillmode
                || d.locale_sign
                || d.bracket
                || d.minus
                || d.plus
                || d.roman
                || d.multi_flag
            {
                return Err(
                    syntax("\"EEEE\" is incompatible with other formats").with_detail(
                        "\"EEEE\" may only be used together with digit and decimal point patterns.",
                    ),
                );
            }
            d.eeee = true;
        }
        Key::Comma | Key::C | Key::G | Key::L | Key::Sp | Key::ThUpper | Key::ThLower => {}
    }
    Ok(())
}

/// `#` filler for a value that does not fit the pattern.
fn overflow_fill(d: &Desc) -> String {
    let mut s = "#".repeat((d.pre + d.post + 1) as usize);
    s.replace_range(d.pre as usize..d.pre as usize + 1, ".");
    s
}

/// Filler for NaN/Infinity in EEEE formats.
fn eeee_special_fill(d: &Desc) -> String {
    let mut s: Vec<u8> = vec![b'#'; (d.pre + d.post + 6) as usize];
    s[0] = b' ';
    s[(d.pre + 1) as usize] = b'.';
    String::from_utf8(s).unwrap_or_default()
}

/// The number in scientific notation with `scale` fractional digits
/// (numeric_out_sci), without a sign for positive values.
fn numeric_sci(n: &Numeric, scale: i32) -> SqlResult<String> {
    let exponent = n.decimal_exponent();
    let sig = n.shift10(-exponent).round(scale as i64);
    Ok(format!(
        "{}e{}{:02}",
        sig,
        if exponent < 0 { '-' } else { '+' },
        exponent.abs()
    ))
}

/// Splits a formatted absolute value into the number string, its sign and
/// the padding the pattern needs (or the `#` overflow filler).
fn fit(digits: String, sign: u8, d: &Desc) -> (String, u8, i32) {
    let pre_len = digits.find('.').unwrap_or(digits.len()) as i32;
    if pre_len < d.pre {
        (digits, sign, d.pre - pre_len)
    } else if pre_len > d.pre {
        (overflow_fill(d), sign, 0)
    } else {
        (digits, sign, 0)
    }
}

/// to_char(numeric, text).
pub fn numeric_to_char(value: &Numeric, fmt: &str) -> SqlResult<String> {
    if fmt.is_empty() {
        return Ok(String::new());
    }
    let (nodes, mut d) = parse_format(fmt)?;
    if d.roman {
        return Err(SqlError::unsupported("to_char with RN"));
    }
    let (number, sign, pre_spaces) = if d.eeee {
        let s = if value.is_finite() {
            let sci = numeric_sci(value, d.post)?;
            if sci.starts_with('-') {
                sci
            } else {
                format!(" {sci}")
            }
        } else {
            eeee_special_fill(&d)
        };
        return Ok(s);
    } else {
        let mut v = value.clone();
        if d.multi_flag {
            v = v.shift10(d.multi as i64);
            d.pre += d.multi;
        }
        let text = v.round(d.post as i64).to_pg_string();
        let (sign, digits) = match text.strip_prefix('-') {
            Some(rest) => (b'-', rest.to_string()),
            None => (b'+', text),
        };
        fit(digits, sign, &d)
    };
    Ok(process_to_char(&nodes, &mut d, number, pre_spaces, sign))
}

/// to_char for integers (int2, int4, int8).
pub fn int_to_char(value: i64, fmt: &str) -> SqlResult<String> {
    if fmt.is_empty() {
        return Ok(String::new());
    }
    let (nodes, mut d) = parse_format(fmt)?;
    if d.roman {
        return Err(SqlError::unsupported("to_char with RN"));
    }
    if d.eeee {
        return numeric_to_char(&Numeric::from_i64(value), fmt);
    }
    let mut v = value as i128;
    if d.multi_flag {
        // PostgreSQL multiplies in the integer type: overflow is an error.
        v = 10i64
            .checked_pow(d.multi.max(0) as u32)
            .and_then(|m| value.checked_mul(m))
            .ok_or_else(|| SqlError::out_of_range("bigint"))? as i128;
        d.pre += d.multi;
    }
    let sign = if v < 0 { b'-' } else { b'+' };
    let abs = v.unsigned_abs().to_string();
    let pre_len = abs.len() as i32;
    let mut digits = abs;
    if d.post > 0 {
        digits.push('.');
        digits.push_str(&"0".repeat(d.post as usize));
    }
    let (number, pre_spaces) = if pre_len < d.pre {
        (digits, d.pre - pre_len)
    } else if pre_len > d.pre {
        (overflow_fill(&d), 0)
    } else {
        (digits, 0)
    };
    Ok(process_to_char(&nodes, &mut d, number, pre_spaces, sign))
}

/// to_char for float4 (`digits` 6) and float8 (15): PostgreSQL prints at
/// most that many significant digits.
pub fn float_to_char(value: f64, digits: i32, fmt: &str) -> SqlResult<String> {
    if fmt.is_empty() {
        return Ok(String::new());
    }
    let (nodes, mut d) = parse_format(fmt)?;
    if d.roman {
        return Err(SqlError::unsupported("to_char with RN"));
    }
    if d.eeee {
        if !value.is_finite() {
            return Ok(eeee_special_fill(&d));
        }
        let s = format!("{:+.*e}", d.post as usize, value);
        // Rust prints e5 / e-5; C prints e+05 / e-05.
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let mut out = format!(
            "{mantissa}e{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.abs()
        );
        if out.starts_with('+') {
            out.replace_range(0..1, " ");
        }
        return Ok(out);
    }
    let mut v = value;
    if d.multi_flag {
        v *= 10f64.powi(d.multi);
        d.pre += d.multi;
    }
    let int_len = c_fixed(v.abs(), 0).len() as i32;
    if int_len >= digits {
        d.post = 0;
    } else if int_len + d.post > digits {
        d.post = digits - int_len;
    }
    let text = c_fixed(v, d.post);
    let (sign, body) = match text.strip_prefix('-') {
        Some(rest) => (b'-', rest.to_string()),
        None => (b'+', text),
    };
    let (number, sign, pre_spaces) = fit(body, sign, &d);
    Ok(process_to_char(&nodes, &mut d, number, pre_spaces, sign))
}

/// `%.*f` as PostgreSQL's own snprintf prints it (NaN, Infinity, -Infinity).
fn c_fixed(v: f64, precision: i32) -> String {
    if v.is_nan() {
        "NaN".to_string()
    } else if v.is_infinite() {
        if v < 0.0 { "-Infinity" } else { "Infinity" }.to_string()
    } else {
        format!("{:.*}", precision.max(0) as usize, v)
    }
}

/// The ordinal suffix for the last digit of `num`.
fn ordinal_suffix(num: &[u8], upper: bool) -> SqlResult<&'static str> {
    let last = *num.last().unwrap_or(&b' ');
    if !last.is_ascii_digit() {
        return Err(SqlError::new(
            "22P02",
            format!("\"{}\" is not a number", String::from_utf8_lossy(num)),
        ));
    }
    let teen = num.len() > 1 && num[num.len() - 2] == b'1';
    let s = match (teen, last) {
        (false, b'1') => "st",
        (false, b'2') => "nd",
        (false, b'3') => "rd",
        _ => "th",
    };
    Ok(if upper {
        match s {
            "st" => "ST",
            "nd" => "ND",
            "rd" => "RD",
            _ => "TH",
        }
    } else {
        s
    })
}

/// NUMProc state for to_char.
struct ToChar<'a> {
    d: &'a mut Desc,
    number: Vec<u8>,
    number_p: usize,
    out: Vec<u8>,
    sign: u8,
    sign_wrote: bool,
    num_in: bool,
    num_curr: i32,
    num_count: i32,
    out_pre_spaces: i32,
    last_relevant: Option<usize>,
}

impl ToChar<'_> {
    fn at(&self, i: usize) -> u8 {
        self.number.get(i).copied().unwrap_or(0)
    }

    fn predec_space(&self) -> bool {
        !self.d.zero && self.number_p == 0 && self.at(0) == b'0' && self.d.post != 0
    }

    fn last_relevant_is_dot(&self) -> bool {
        self.last_relevant.is_some_and(|i| self.at(i) == b'.')
    }

    /// NUM_numpart_to_char.
    fn numpart(&mut self, key: Key) {
        if !self.sign_wrote
            && (self.num_curr >= self.out_pre_spaces
                || (self.d.zero && self.d.zero_start == self.num_curr))
            && (!self.predec_space() || self.last_relevant_is_dot())
        {
            if self.d.locale_sign {
                if self.d.lsign == LocaleSign::Pre {
                    self.out.push(if self.sign == b'-' { b'-' } else { b'+' });
                    self.sign_wrote = true;
                }
            } else if self.d.bracket {
                self.out.push(if self.sign == b'+' { b' ' } else { b'<' });
                self.sign_wrote = true;
            } else if self.sign == b'+' {
                if !self.d.fillmode {
                    self.out.push(b' ');
                }
                self.sign_wrote = true;
            } else if self.sign == b'-' {
                self.out.push(b'-');
                self.sign_wrote = true;
            }
        }
        if matches!(key, Key::Nine | Key::Zero | Key::D | Key::Dec) {
            if self.num_curr < self.out_pre_spaces
                && (self.d.zero_start > self.num_curr || !self.d.zero)
            {
                if !self.d.fillmode {
                    self.out.push(b' ');
                }
            } else if self.d.zero
                && self.num_curr < self.out_pre_spaces
                && self.d.zero_start <= self.num_curr
            {
                self.out.push(b'0');
                self.num_in = true;
            } else {
                if self.at(self.number_p) == b'.' {
                    if !self.last_relevant_is_dot() || self.d.fillmode {
                        self.out.push(b'.');
                    }
                } else if self
                    .last_relevant
                    .is_some_and(|lr| self.number_p > lr && key != Key::Zero)
                {
                } else if self.predec_space() {
                    if !self.d.fillmode {
                        self.out.push(b' ');
                    } else if self.last_relevant_is_dot() {
                        self.out.push(b'0');
                    }
                } else {
                    let c = self.at(self.number_p);
                    if c != 0 {
                        self.out.push(c);
                    }
                    self.num_in = true;
                }
                if self.at(self.number_p) != 0 {
                    self.number_p += 1;
                }
            }
            let mut end = self.num_count
                + if self.out_pre_spaces > 0 { 1 } else { 0 }
                + if self.d.decimal { 1 } else { 0 };
            if self.last_relevant == Some(self.number_p) {
                end = self.num_curr;
            }
            if self.num_curr + 1 == end {
                if self.sign_wrote && self.d.bracket {
                    self.out.push(if self.sign == b'+' { b' ' } else { b'>' });
                } else if self.d.locale_sign && self.d.lsign == LocaleSign::Post {
                    self.out.push(if self.sign == b'-' { b'-' } else { b'+' });
                }
            }
        }
        self.num_curr += 1;
    }
}

/// NUM_processor in to_char mode.
fn process_to_char(
    nodes: &[Node],
    d: &mut Desc,
    number: String,
    out_pre_spaces: i32,
    sign: u8,
) -> String {
    if d.zero_start > 0 {
        d.zero_start -= 1;
    }
    let sign_wrote;
    if d.plus || d.minus {
        // PL alone needs the sign written; MI or SG write it themselves.
        sign_wrote = !d.plus || d.minus;
    } else {
        if sign != b'-' && d.fillmode {
            d.bracket = false;
        }
        sign_wrote = sign == b'+' && d.fillmode && !d.locale_sign;
        if d.lsign == LocaleSign::Pre && d.pre == d.pre_lsign_num {
            d.lsign = LocaleSign::Post;
        }
    }
    let number = number.into_bytes();
    let mut num_count = d.post + d.pre - 1;
    let mut last_relevant = None;
    if d.fillmode && d.decimal {
        if let Some(dot) = number.iter().position(|&c| c == b'.') {
            let mut lr = dot;
            for (i, &c) in number.iter().enumerate().skip(dot + 1) {
                if c != b'0' {
                    lr = i;
                }
            }
            if d.zero_end > out_pre_spaces {
                let last_zero = (number.len() as i32 - 1).min(d.zero_end - out_pre_spaces);
                if (lr as i32) < last_zero {
                    lr = last_zero as usize;
                }
            }
            last_relevant = Some(lr);
        }
    }
    if !sign_wrote && out_pre_spaces == 0 {
        num_count += 1;
    }
    let mut p = ToChar {
        d,
        number,
        number_p: 0,
        out: Vec::new(),
        sign,
        sign_wrote,
        num_in: false,
        num_curr: 0,
        num_count,
        out_pre_spaces,
        last_relevant,
    };
    for node in nodes {
        match node {
            Node::Char(c) => p.out.extend_from_slice(c.as_bytes()),
            Node::Action(key) => match key {
                Key::Nine | Key::Zero | Key::Dec | Key::D => p.numpart(*key),
                Key::Comma | Key::G => {
                    if !p.num_in {
                        if !p.d.fillmode {
                            p.out.push(b' ');
                        }
                    } else {
                        p.out.push(b',');
                    }
                }
                Key::L => p.out.push(b' '),
                Key::ThUpper | Key::ThLower => {
                    if p.d.roman || p.at(0) == b'#' || p.sign == b'-' || p.d.decimal {
                        continue;
                    }
                    if let Ok(s) = ordinal_suffix(&p.number, *key == Key::ThUpper) {
                        p.out.extend_from_slice(s.as_bytes());
                    }
                }
                Key::Mi => {
                    if p.sign == b'-' {
                        p.out.push(b'-');
                    } else if !p.d.fillmode {
                        p.out.push(b' ');
                    }
                }
                Key::Pl => {
                    if p.sign == b'+' {
                        p.out.push(b'+');
                    } else if !p.d.fillmode {
                        p.out.push(b' ');
                    }
                }
                Key::Sg => p.out.push(p.sign),
                _ => {}
            },
        }
    }
    String::from_utf8_lossy(&p.out).into_owned()
}

/// NUMProc state for to_number.
struct FromChar<'a> {
    d: &'a Desc,
    input: &'a [u8],
    pos: usize,
    number: Vec<u8>,
    read_pre: i32,
    read_post: i32,
    read_dec: bool,
}

impl FromChar<'_> {
    fn overload(&self) -> bool {
        self.pos >= self.input.len()
    }
    fn amount(&self, n: usize) -> bool {
        self.pos + n <= self.input.len()
    }
    fn cur(&self) -> u8 {
        self.input.get(self.pos).copied().unwrap_or(0)
    }
    fn sign_unset(&self) -> bool {
        self.number[0] == b' '
    }

    fn eat_non_data(&mut self, n: usize) {
        for _ in 0..n {
            if self.overload() || b"0123456789.,+-".contains(&self.cur()) {
                break;
            }
            self.pos += 1;
            while self.pos < self.input.len() && (self.input[self.pos] & 0xC0) == 0x80 {
                self.pos += 1;
            }
        }
    }

    /// NUM_numpart_from_char.
    fn numpart(&mut self, key: Key) {
        if self.overload() {
            return;
        }
        if self.cur() == b' ' {
            self.pos += 1;
        }
        if self.overload() {
            return;
        }
        if self.sign_unset()
            && matches!(key, Key::Zero | Key::Nine)
            && self.read_pre + self.read_post == 0
        {
            if self.d.locale_sign && self.d.lsign == LocaleSign::Pre {
                if self.cur() == b'-' {
                    self.pos += 1;
                    self.number[0] = b'-';
                } else if self.cur() == b'+' {
                    self.pos += 1;
                    self.number[0] = b'+';
                }
            } else if self.cur() == b'-' || (self.d.bracket && self.cur() == b'<') {
                self.number[0] = b'-';
                self.pos += 1;
            } else if self.cur() == b'+' {
                self.number[0] = b'+';
                self.pos += 1;
            }
        }
        if self.overload() {
            return;
        }
        let mut isread = false;
        if self.cur().is_ascii_digit() {
            if self.read_dec && self.read_post == self.d.post {
                return;
            }
            self.number.push(self.cur());
            if self.read_dec {
                self.read_post += 1;
            } else {
                self.read_pre += 1;
            }
            isread = true;
        } else if self.d.decimal && !self.read_dec && self.cur() == b'.' {
            self.number.push(b'.');
            self.read_dec = true;
            isread = true;
        }
        if self.overload() {
            return;
        }
        if self.sign_unset() && self.read_pre + self.read_post > 0 {
            if self.d.locale_sign
                && isread
                && self.pos + 1 < self.input.len()
                && !self.input[self.pos + 1].is_ascii_digit()
            {
                let saved = self.pos;
                self.pos += 1;
                if self.amount(1) && self.cur() == b'-' {
                    self.number[0] = b'-';
                } else if self.amount(1) && self.cur() == b'+' {
                    self.number[0] = b'+';
                }
                if self.sign_unset() {
                    self.pos = saved;
                }
            } else if !isread
                && !self.d.locale_sign
                && (self.d.plus || self.d.minus)
                && (self.cur() == b'-' || self.cur() == b'+')
            {
                self.number[0] = self.cur();
            }
        }
    }
}

/// to_number(text, text).
pub fn to_number(input: &str, fmt: &str) -> SqlResult<Option<Numeric>> {
    if fmt.is_empty() {
        return Ok(None);
    }
    let (nodes, mut d) = parse_format(fmt)?;
    if d.eeee {
        return Err(SqlError::new("0A000", "\"EEEE\" not supported for input"));
    }
    if d.roman {
        return Err(SqlError::unsupported("to_number with RN"));
    }
    if d.zero_start > 0 {
        d.zero_start -= 1;
    }
    let mut p = FromChar {
        d: &d,
        input: input.as_bytes(),
        pos: 0,
        number: vec![b' '],
        read_pre: 0,
        read_post: 0,
        read_dec: false,
    };
    for node in &nodes {
        if p.overload() {
            break;
        }
        match node {
            Node::Char(_) => {
                p.pos += 1;
                while p.pos < p.input.len() && (p.input[p.pos] & 0xC0) == 0x80 {
                    p.pos += 1;
                }
                continue;
            }
            Node::Action(key) => match key {
                Key::Nine | Key::Zero | Key::Dec | Key::D => p.numpart(*key),
                // to_number never sets num_in, so FM always skips separators.
                Key::Comma => {
                    if p.d.fillmode || p.cur() != b',' {
                        continue;
                    }
                }
                Key::G => {
                    if p.d.fillmode || !(p.amount(1) && p.cur() == b',') {
                        continue;
                    }
                }
                Key::L => {
                    p.eat_non_data(1);
                    continue;
                }
                Key::ThUpper | Key::ThLower => {
                    if p.d.roman || p.d.decimal {
                        continue;
                    }
                    p.eat_non_data(2);
                    continue;
                }
                Key::Mi => {
                    if p.cur() == b'-' {
                        p.number[0] = b'-';
                    } else {
                        p.eat_non_data(1);
                        continue;
                    }
                }
                Key::Pl => {
                    if p.cur() == b'+' {
                        p.number[0] = b'+';
                    } else {
                        p.eat_non_data(1);
                        continue;
                    }
                }
                Key::Sg => {
                    if p.cur() == b'-' || p.cur() == b'+' {
                        p.number[0] = p.cur();
                    } else {
                        p.eat_non_data(1);
                        continue;
                    }
                }
                _ => continue,
            },
        }
        p.pos += 1;
    }
    if p.number.last() == Some(&b'.') {
        p.number.pop();
    }
    let (read_post, number) = (p.read_post, p.number);
    let text = String::from_utf8_lossy(&number).into_owned();
    let scale = read_post;
    let precision = d.pre + d.multi + scale;
    let mut value = Numeric::parse(&text)?;
    if precision > 0 {
        value = value.apply_typmod(precision, scale)?;
    } else {
        value = value.round(scale as i64);
    }
    if d.multi_flag {
        value = value.shift10(-(d.multi as i64));
    }
    Ok(Some(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Numeric {
        Numeric::parse(s).unwrap()
    }

    #[test]
    fn to_char_matches_postgres() {
        assert_eq!(numeric_to_char(&n("100"), "FM999").unwrap(), "100");
        assert_eq!(numeric_to_char(&n("100"), "FM999.").unwrap(), "100");
        assert_eq!(numeric_to_char(&n("100"), "FM999.9").unwrap(), "100.");
        assert_eq!(numeric_to_char(&n("100"), "foo999").unwrap(), "foo 100");
        assert_eq!(
            numeric_to_char(&n("-34338492"), "9G999G999G999").unwrap(),
            "   -34,338,492"
        );
        assert_eq!(
            numeric_to_char(&n("-34338492.654878"), "MI9999999999.99").unwrap(),
            "-  34338492.65"
        );
        assert_eq!(numeric_to_char(&n("0.1"), "9.9").unwrap(), "  .1");
        assert_eq!(
            numeric_to_char(&n("1234.5"), "9.999EEEE").unwrap(),
            " 1.235e+03"
        );
        assert_eq!(numeric_to_char(&n("-5"), "999PR").unwrap(), "  <5>");
        assert_eq!(int_to_char(456, "FM999999999999999999th").unwrap(), "456th");
        assert_eq!(int_to_char(123, "0999").unwrap(), " 0123");
        assert_eq!(numeric_to_char(&n("12345"), "999").unwrap(), " ###");
        assert_eq!(int_to_char(12, "99V9").unwrap(), " 120");
        assert!(int_to_char(i64::MAX, "9V99999999999999999999").is_err());
    }

    #[test]
    fn to_number_matches_postgres() {
        let t = |s: &str, f: &str| to_number(s, f).unwrap().unwrap().to_string();
        assert_eq!(t("-34,338,492", "99G999G999"), "-34338492");
        assert_eq!(
            t("-34,338,492.654,878", "99G999G999D999G999"),
            "-34338492.654878"
        );
        assert_eq!(t("<564646.654564>", "999999.999999PR"), "-564646.654564");
        assert_eq!(t("0.00001-", "9.999999S"), "-0.00001");
        assert_eq!(t("5.01-", "FM9.999999S"), "-5.01");
        assert_eq!(t("5.01-", "FM9.999999MI"), "-5.01");
        assert_eq!(t("$1,234.56", "L99,999.99"), "1234.56");
        assert_eq!(t("42nd", "99th"), "42");
        assert_eq!(t("123,000", "999G"), "123");
        assert_eq!(t(".01", "FM9.99"), "0.01");
    }
}
