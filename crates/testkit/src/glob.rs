//! A small glob matcher for `--files`: `*`, `?` and `[a-z]` classes stay
//! inside one path component, `**` crosses `/`, and `**/` also matches no directory at all.

/// Whether `path` (with `/` separators) matches `pattern` as a whole.
pub fn matches(pattern: &str, path: &str) -> bool {
    match_bytes(pattern.as_bytes(), path.as_bytes())
}

fn match_bytes(p: &[u8], s: &[u8]) -> bool {
    if p.is_empty() {
        return s.is_empty();
    }
    if p.starts_with(b"**") {
        let rest = &p[2..];
        // `**/x` may match `x` directly (zero directories).
        if let Some(after_slash) = rest.strip_prefix(b"/") {
            if match_bytes(after_slash, s) {
                return true;
            }
        }
        return (0..=s.len()).any(|i| match_bytes(rest, &s[i..]));
    }
    match p[0] {
        b'*' => {
            let rest = &p[1..];
            for i in 0..=s.len() {
                if match_bytes(rest, &s[i..]) {
                    return true;
                }
                if i < s.len() && s[i] == b'/' {
                    break;
                }
            }
            false
        }
        b'?' => !s.is_empty() && s[0] != b'/' && match_bytes(&p[1..], &s[1..]),
        b'[' => match p.iter().position(|&c| c == b']') {
            Some(end) if end > 1 && !s.is_empty() => {
                class_contains(&p[1..end], s[0]) && match_bytes(&p[end + 1..], &s[1..])
            }
            _ => !s.is_empty() && s[0] == b'[' && match_bytes(&p[1..], &s[1..]),
        },
        c => !s.is_empty() && s[0] == c && match_bytes(&p[1..], &s[1..]),
    }
}

/// Whether a `[...]` class (without brackets; `a-z` ranges) contains `c`.
fn class_contains(class: &[u8], c: u8) -> bool {
    let mut i = 0;
    while i < class.len() {
        if i + 2 < class.len() && class[i + 1] == b'-' {
            if (class[i]..=class[i + 2]).contains(&c) {
                return true;
            }
            i += 3;
        } else {
            if class[i] == c {
                return true;
            }
            i += 1;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn star_stays_in_one_component() {
        assert!(matches("select*.slt", "select1.slt"));
        assert!(!matches("*.slt", "evidence/in1.slt"));
        assert!(matches("evidence/*", "evidence/in1.slt"));
        assert!(matches("int?", "int4"));
        assert!(!matches("int?", "int48"));
        assert!(matches("select[45].slt", "select4.slt"));
        assert!(matches("select[1-3].slt", "select2.slt"));
        assert!(!matches("select[45].slt", "select1.slt"));
    }

    #[test]
    fn double_star_crosses_directories() {
        assert!(matches("**/*.slt", "select1.slt"));
        assert!(matches("**/*.slt", "index/in/10/slt_good_3.slt"));
        assert!(matches("index/**", "index/in/10/slt_good_3.slt"));
        assert!(!matches("index/**/x.slt", "index/in/10/slt_good_3.slt"));
    }
}
