//! Splitting psql `-a` output into one block per echoed statement.
//!
//! With `-a` psql echoes every input line as it reads it and prints a
//! statement's results after the line that completes it. So the input is cut
//! into chunks, each ending at a line that completes a statement (a `;`
//! outside quotes, comments and parentheses, a backslash command, or the
//! `\.` ending inline COPY data, whose lines psql does not echo; nor does it
//! echo an empty line outside a string or comment), and an
//! output is cut where each chunk's echo begins. A block is a chunk's echo
//! plus what psql printed up to the next chunk's echo. Blocks compare like
//! `diff -w`: line by line with all white space ignored.

/// The input lines of one chunk that psql echoes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// 1-based input line of the chunk's first line.
    pub line: usize,
    pub echo: Vec<String>,
}

impl Chunk {
    /// The statement text: the echo without leading blank and comment lines.
    pub fn statement(&self) -> String {
        let start = self
            .echo
            .iter()
            .position(|l| {
                let t = l.trim();
                !t.is_empty() && !t.starts_with("--")
            })
            .unwrap_or(0);
        self.echo[start..].join("\n")
    }
}

#[derive(Default)]
struct Lexer {
    single: bool,
    /// Inside an E'...' string, where a backslash escapes the next char.
    escapes: bool,
    double: bool,
    dollar: Option<String>,
    comment_depth: usize,
    parens: usize,
    /// Statement text since the last terminator, outside comments.
    text: String,
}

/// What the lexer saw on one line.
struct LineEnd {
    terminated: bool,
    copy_from_stdin: bool,
}

impl Lexer {
    fn idle(&self) -> bool {
        !self.single && !self.double && self.dollar.is_none() && self.comment_depth == 0
    }

    fn line(&mut self, line: &str) -> LineEnd {
        let mut end = LineEnd {
            terminated: false,
            copy_from_stdin: false,
        };
        if self.idle() && self.text.trim().is_empty() && line.trim_start().starts_with('\\') {
            self.text.clear();
            end.terminated = true;
            return end;
        }
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let next = chars.get(i + 1).copied();
            if self.comment_depth > 0 {
                if c == '*' && next == Some('/') {
                    self.comment_depth -= 1;
                    i += 2;
                    continue;
                }
                if c == '/' && next == Some('*') {
                    self.comment_depth += 1;
                    i += 2;
                    continue;
                }
                i += 1;
                continue;
            }
            if self.single {
                self.text.push(c);
                if self.escapes && c == '\\' {
                    if let Some(n) = next {
                        self.text.push(n);
                    }
                    i += 2;
                    continue;
                }
                if c == '\'' {
                    self.single = false;
                }
                i += 1;
                continue;
            }
            if self.double {
                self.text.push(c);
                if c == '"' {
                    self.double = false;
                }
                i += 1;
                continue;
            }
            if let Some(tag) = &self.dollar {
                if chars[i..].starts_with(&tag.chars().collect::<Vec<_>>()) {
                    let n = tag.chars().count();
                    self.text.push_str(tag);
                    self.dollar = None;
                    i += n;
                } else {
                    self.text.push(c);
                    i += 1;
                }
                continue;
            }
            match c {
                '-' if next == Some('-') => break,
                '/' if next == Some('*') => {
                    self.comment_depth = 1;
                    i += 2;
                    continue;
                }
                '\'' => {
                    self.single = true;
                    let before = |k: usize| i.checked_sub(k).map(|j| chars[j]);
                    self.escapes = matches!(before(1), Some('E' | 'e'))
                        && !before(2).is_some_and(|b| b.is_alphanumeric() || b == '_');
                }
                '"' => self.double = true,
                '$' => {
                    if let Some(tag) = dollar_tag(&chars[i..]) {
                        // Not a positional parameter like $1.
                        let prev_ident =
                            i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
                        if !prev_ident {
                            self.text.push_str(&tag);
                            i += tag.chars().count();
                            self.dollar = Some(tag);
                            continue;
                        }
                    }
                }
                '(' => self.parens += 1,
                ')' => self.parens = self.parens.saturating_sub(1),
                ';' if self.parens == 0 => {
                    end.terminated = true;
                    end.copy_from_stdin = is_copy_from_stdin(&self.text);
                    self.text.clear();
                    i += 1;
                    continue;
                }
                '\\' => {
                    // A backslash command ends the query buffer (\g, \gset...).
                    end.terminated = true;
                    self.text.clear();
                    self.parens = 0;
                    break;
                }
                _ => {}
            }
            self.text.push(c);
            i += 1;
        }
        self.text.push('\n');
        end
    }
}

fn dollar_tag(chars: &[char]) -> Option<String> {
    let mut tag = String::from("$");
    for (k, &c) in chars.iter().enumerate().skip(1) {
        if c == '$' {
            tag.push('$');
            return Some(tag);
        }
        let ok = c.is_alphabetic() || c == '_' || (k > 1 && c.is_ascii_digit());
        if !ok {
            return None;
        }
        tag.push(c);
    }
    None
}

fn is_copy_from_stdin(text: &str) -> bool {
    let upper = text.to_ascii_uppercase();
    let words: Vec<&str> = upper.split_whitespace().collect();
    words.first() == Some(&"COPY")
        && words
            .windows(2)
            .any(|w| w[0] == "FROM" && matches!(w[1].trim_end_matches(';'), "STDIN" | "STDOUT"))
}

/// Cuts a psql script into chunks. psql does not echo an empty line
/// outside a quoted string or comment, nor anything between `\set ECHO
/// none` and `\set ECHO all`: a chunk with nothing echoed is dropped (its
/// output, if any, lands in the block before).
pub fn chunks(script: &str) -> Vec<Chunk> {
    let mut out = Vec::new();
    let mut lexer = Lexer::default();
    let mut current: Option<Chunk> = None;
    let mut copy_data = false;
    let mut echo_on = true;
    let mut emit = |chunk: Option<Chunk>| {
        out.extend(chunk.filter(|c| !c.echo.is_empty()));
    };
    for (n, line) in script.lines().enumerate() {
        if copy_data {
            if line == "\\." {
                copy_data = false;
                emit(current.take());
            }
            continue;
        }
        if line.is_empty() && lexer.idle() {
            continue;
        }
        let chunk = current.get_or_insert_with(|| Chunk {
            line: n + 1,
            echo: Vec::new(),
        });
        if echo_on {
            chunk.echo.push(line.to_string());
        }
        let at_start = lexer.idle() && lexer.text.trim().is_empty();
        let end = lexer.line(line);
        if at_start {
            let words: Vec<&str> = line.split_whitespace().collect();
            if let ["\\set", "ECHO", mode, ..] = words.as_slice() {
                echo_on = *mode == "all";
            }
        }
        if end.copy_from_stdin {
            copy_data = true;
        } else if end.terminated {
            emit(current.take());
        }
    }
    emit(current);
    out
}

/// Cuts an output into one block per chunk; `None` where the chunk's echo
/// is not found (psql stopped, or the output is not from this script).
pub fn split(output: &str, chunks: &[Chunk]) -> Vec<Option<String>> {
    let lines: Vec<&str> = output.lines().collect();
    let mut starts: Vec<Option<usize>> = Vec::with_capacity(chunks.len());
    let mut pos = 0;
    for chunk in chunks {
        let found = (pos..lines.len()).find(|&p| echo_at(&lines, p, &chunk.echo));
        if let Some(p) = found {
            pos = p + chunk.echo.len();
        }
        starts.push(found);
    }
    // A block runs to the next found start.
    let mut blocks = vec![None; chunks.len()];
    for (i, start) in starts.iter().enumerate() {
        let Some(s) = *start else { continue };
        let end = starts[i + 1..]
            .iter()
            .flatten()
            .next()
            .copied()
            .unwrap_or(lines.len());
        blocks[i] = Some(lines[s..end].join("\n"));
    }
    blocks
}

fn echo_at(lines: &[&str], p: usize, echo: &[String]) -> bool {
    p + echo.len() <= lines.len()
        && echo
            .iter()
            .zip(&lines[p..])
            .all(|(e, l)| e.trim_end() == l.trim_end())
}

/// Equality as `diff -w` sees it: same lines, all white space ignored.
pub fn same_ignoring_whitespace(a: &str, b: &str) -> bool {
    let strip = |s: &str| -> Vec<String> {
        s.lines()
            .map(|l| l.chars().filter(|c| !c.is_whitespace()).collect())
            .collect()
    };
    strip(a) == strip(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCRIPT: &str = "--\n-- INT2\n--\nCREATE TABLE t (f1 int2);\nINSERT INTO t VALUES ('1'), ('x;y');\n\
SELECT 'a;b' AS \"x;\", $$;$$\n  FROM t\n  WHERE f1 = (1);\n\\set x 1\nSELECT 1; SELECT 2;\nCOPY t FROM stdin;\n1\n2\n\\.\nSELECT $1 /* ; */ ;\nSELECT '\n\n';\nSELECT E'it\\'s;', 'x''y;';\n";

    #[test]
    fn chunks_end_at_terminators() {
        let c = chunks(SCRIPT);
        let firsts: Vec<&str> = c
            .iter()
            .map(|c| c.echo.last().map(String::as_str).unwrap_or(""))
            .collect();
        assert_eq!(
            firsts,
            vec![
                "CREATE TABLE t (f1 int2);",
                "INSERT INTO t VALUES ('1'), ('x;y');",
                "  WHERE f1 = (1);",
                "\\set x 1",
                "SELECT 1; SELECT 2;",
                "COPY t FROM stdin;",
                "SELECT $1 /* ; */ ;",
                "';",
                "SELECT E'it\\'s;', 'x''y;';",
            ]
        );
        assert_eq!(c[8].echo, vec!["SELECT E'it\\'s;', 'x''y;';"]);
        assert_eq!(c.len(), 9);
        // An empty line inside a string is echoed.
        assert_eq!(c[7].echo, vec!["SELECT '", "", "';"]);
        assert_eq!(c[0].line, 1);
        assert_eq!(c[0].statement(), "CREATE TABLE t (f1 int2);");
        // COPY data lines are not echoed.
        assert_eq!(c[5].echo, vec!["COPY t FROM stdin;"]);
        assert_eq!(c[6].line, 15);
    }

    #[test]
    fn unechoed_lines_make_no_chunk() {
        let c = chunks("SELECT 1;\n\\set ECHO none\nSELECT 2\n\\gexec\n\\set ECHO all\ncopy t from stdout;\n1\n\\.\nSELECT 3;\n");
        let echoes: Vec<Vec<String>> = c.iter().map(|c| c.echo.clone()).collect();
        assert_eq!(
            echoes,
            vec![
                vec!["SELECT 1;".to_string()],
                vec!["\\set ECHO none".to_string()],
                vec!["copy t from stdout;".to_string()],
                vec!["SELECT 3;".to_string()],
            ]
        );
    }

    #[test]
    fn splits_output_into_blocks() {
        let script = "-- t\nSELECT 1;\n\nSELECT 2;\nSELECT 3;\n\n";
        let c = chunks(script);
        assert_eq!(c.len(), 3);
        assert_eq!(c[1].line, 4);
        // psql echoes no empty line: the blank one is the end of a result.
        let output = "-- t\nSELECT 1;\n ?column? \n----------\n        1\n(1 row)\n\nSELECT 2;\nERROR:  boom\nSELECT 3;\n";
        let blocks = split(output, &c);
        assert_eq!(
            blocks[0].as_deref(),
            Some("-- t\nSELECT 1;\n ?column? \n----------\n        1\n(1 row)\n")
        );
        assert_eq!(blocks[1].as_deref(), Some("SELECT 2;\nERROR:  boom"));
        assert_eq!(blocks[2].as_deref(), Some("SELECT 3;"));
        // psql stopped after the first statement.
        let cut = split("-- t\nSELECT 1;\nFATAL:  terminating\n", &c);
        assert!(cut[0].is_some());
        assert_eq!(cut[1], None);
        assert_eq!(cut[2], None);
    }

    #[test]
    fn whitespace_is_ignored_but_lines_are_not() {
        assert!(same_ignoring_whitespace(" a | b \n1", "a|b\n  1  "));
        assert!(!same_ignoring_whitespace("a\n\nb", "a\nb"));
        assert!(!same_ignoring_whitespace("a", "b"));
    }
}
