//! RFC 822-style "deb822" paragraphs: the syntax of a package's `control`
//! file, of apt's `Packages` indexes and of `.sources` files.
//!
//! A paragraph is a run of `Name: value` lines; a line starting with a space
//! or tab continues the previous field; blank lines separate paragraphs;
//! lines starting with `#` are comments (allowed in `.sources` files, and
//! harmless elsewhere). Field names are case-insensitive. Parsing borrows
//! from the input, so walking the 60,000 paragraphs of a `Packages` index
//! allocates only one small vector per paragraph.

/// A deb822 syntax error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ControlError {
    /// A line that is neither a field, a continuation, a comment nor blank.
    #[error("line {line}: expected 'Name: value', found '{text}'")]
    NotAField {
        /// 1-based line number.
        line: usize,
        /// The line (at most 80 bytes of it).
        text: String,
    },
    /// A continuation line before any field.
    #[error("line {line}: continuation line without a field before it")]
    StrayContinuation {
        /// 1-based line number.
        line: usize,
    },
    /// The same field twice in one paragraph.
    #[error("line {line}: field '{name}' appears twice in one paragraph")]
    DuplicateField {
        /// 1-based line number of the second occurrence.
        line: usize,
        /// The field name.
        name: String,
    },
}

/// One field: its name and raw value (first line trimmed, continuation
/// lines kept with their newlines and leading whitespace).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field<'a> {
    /// The name as written.
    pub name: &'a str,
    /// The value; see [`Paragraph::get`] and [`Paragraph::get_folded`].
    pub value: &'a str,
}

/// One paragraph, fields in file order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Paragraph<'a> {
    /// The fields.
    pub fields: Vec<Field<'a>>,
    /// 1-based line number of the paragraph's first field.
    pub line: usize,
}

impl<'a> Paragraph<'a> {
    /// The raw value of `name` (case-insensitive).
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.fields
            .iter()
            .find(|field| field.name.eq_ignore_ascii_case(name))
            .map(|field| field.value)
    }

    /// The value of `name` with its lines joined by single spaces, as for
    /// folded fields (`Depends`, `URIs`, `Suites`).
    #[must_use]
    pub fn get_folded(&self, name: &str) -> Option<String> {
        self.get(name)
            .map(|value| value.split_whitespace().collect::<Vec<_>>().join(" "))
    }
}

/// Iterates over the paragraphs of `text`.
#[must_use]
pub fn paragraphs(text: &str) -> Paragraphs<'_> {
    Paragraphs {
        text,
        position: 0,
        line: 0,
    }
}

/// Parses `text` as exactly one paragraph (a `control` file); blank lines
/// at either end are allowed, an empty text gives an empty paragraph.
///
/// # Errors
///
/// A syntax error, or a second paragraph.
pub fn parse_single(text: &str) -> Result<Paragraph<'_>, ControlError> {
    let mut iter = paragraphs(text);
    let first = iter.next().transpose()?.unwrap_or_default();
    if let Some(second) = iter.next() {
        let second = second?;
        return Err(ControlError::NotAField {
            line: second.line,
            text: "a second paragraph (control files have one)".to_owned(),
        });
    }
    Ok(first)
}

/// The iterator returned by [`paragraphs`].
#[derive(Debug, Clone)]
pub struct Paragraphs<'a> {
    text: &'a str,
    position: usize,
    line: usize,
}

impl<'a> Paragraphs<'a> {
    fn next_line(&mut self) -> Option<&'a str> {
        if self.position >= self.text.len() {
            return None;
        }
        let rest = &self.text[self.position..];
        let end = rest.find('\n').map_or(rest.len(), |i| i + 1);
        self.position += end;
        self.line += 1;
        Some(rest[..end].trim_end_matches(['\n', '\r']))
    }

    fn parse(&mut self) -> Option<Result<Paragraph<'a>, ControlError>> {
        let mut paragraph = Paragraph::default();
        // Start and end offsets of the current field's value in `text`.
        let mut open: Option<(&'a str, usize, usize)> = None;
        loop {
            let start = self.position;
            let Some(line) = self.next_line() else { break };
            if line.trim().is_empty() {
                if open.is_some() || !paragraph.fields.is_empty() {
                    break;
                }
                continue;
            }
            if line.starts_with('#') {
                continue;
            }
            if line.starts_with([' ', '\t']) {
                match open.as_mut() {
                    Some((_, _, end)) => *end = start + line.len(),
                    None => {
                        return Some(Err(ControlError::StrayContinuation { line: self.line }));
                    }
                }
                continue;
            }
            let Some(colon) = line.find(':').filter(|&i| i > 0) else {
                return Some(Err(ControlError::NotAField {
                    line: self.line,
                    text: line.chars().take(80).collect(),
                }));
            };
            if let Some(field) = open.take() {
                self.close(&mut paragraph, field);
            }
            let name = &line[..colon];
            if paragraph
                .fields
                .iter()
                .any(|field| field.name.eq_ignore_ascii_case(name))
            {
                return Some(Err(ControlError::DuplicateField {
                    line: self.line,
                    name: name.to_owned(),
                }));
            }
            if paragraph.fields.is_empty() {
                paragraph.line = self.line;
            }
            let value_start = start + colon + 1;
            open = Some((name, value_start, start + line.len()));
        }
        if let Some(field) = open.take() {
            self.close(&mut paragraph, field);
        }
        (!paragraph.fields.is_empty()).then_some(Ok(paragraph))
    }

    fn close(&self, paragraph: &mut Paragraph<'a>, (name, start, end): (&'a str, usize, usize)) {
        let value = self.text[start..end].trim_start();
        paragraph.fields.push(Field {
            name,
            value: value.trim_end(),
        });
    }
}

impl<'a> Iterator for Paragraphs<'a> {
    type Item = Result<Paragraph<'a>, ControlError>;

    fn next(&mut self) -> Option<Self::Item> {
        let item = self.parse();
        if matches!(item, Some(Err(_))) {
            // Stop after the first error.
            self.position = self.text.len();
        }
        item
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONTROL: &str = "Package: hello\nVersion: 2.10-3\nArchitecture: amd64\n\
Depends: libc6 (>= 2.34),\n  foo\nDescription: example package\n \
Longer text\n .\n more\n";

    #[test]
    fn fields_continuations_and_case() {
        let paragraph = parse_single(CONTROL).unwrap();
        assert_eq!(paragraph.get("package"), Some("hello"));
        assert_eq!(paragraph.get("VERSION"), Some("2.10-3"));
        assert_eq!(
            paragraph.get_folded("Depends").as_deref(),
            Some("libc6 (>= 2.34), foo")
        );
        assert_eq!(
            paragraph.get("Description"),
            Some("example package\n Longer text\n .\n more")
        );
        assert_eq!(paragraph.get("Missing"), None);
    }

    #[test]
    fn several_paragraphs_with_comments_and_crlf() {
        let text = "\n# comment\nA: 1\r\n\r\n\n\nA: 2\nB:\n x\n";
        let all: Vec<_> = paragraphs(text).collect::<Result<_, _>>().unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].get("A"), Some("1"));
        assert_eq!((all[0].line, all[1].line), (3, 7));
        assert_eq!(all[1].get("B"), Some("x"));
    }

    #[test]
    fn errors_name_the_line() {
        assert_eq!(
            parse_single("A: 1\nnonsense\n"),
            Err(ControlError::NotAField {
                line: 2,
                text: "nonsense".to_owned()
            })
        );
        assert_eq!(
            parse_single(" x\n"),
            Err(ControlError::StrayContinuation { line: 1 })
        );
        assert_eq!(
            parse_single("A: 1\na: 2\n"),
            Err(ControlError::DuplicateField {
                line: 2,
                name: "a".to_owned()
            })
        );
        assert!(parse_single("A: 1\n\nB: 2\n").is_err());
    }
}
