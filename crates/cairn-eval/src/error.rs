//! Evaluation errors, their positions and the catchable/fatal split that
//! `builtins.tryEval` depends on.

use std::fmt;
use std::rc::Rc;

/// A position in a source file as the evaluator stores it: a file id (an
/// index into the evaluator's [`SourceMap`]) and a byte offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) file: u32,
    pub(crate) offset: u32,
}

impl Span {
    /// No position.
    pub(crate) const NONE: Span = Span {
        file: u32::MAX,
        offset: 0,
    };
}

/// A resolved position: file name, 1-based line and column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pos {
    /// The file name as given to the evaluator (`«string»` for `-E` input).
    pub file: Rc<str>,
    /// 1-based line.
    pub line: u32,
    /// 1-based column (in characters).
    pub column: u32,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// One source text known to the evaluator.
#[derive(Debug)]
pub(crate) struct SourceFile {
    pub(crate) name: Rc<str>,
    pub(crate) text: Rc<str>,
    line_starts: Vec<u32>,
}

/// All source texts parsed so far; [`Span`]s index into it.
#[derive(Debug, Default)]
pub(crate) struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// Registers a source text and returns its file id.
    pub(crate) fn add(&mut self, name: Rc<str>, text: Rc<str>) -> u32 {
        let mut line_starts = vec![0];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(u32::try_from(i + 1).unwrap_or(u32::MAX));
            }
        }
        self.files.push(SourceFile {
            name,
            text,
            line_starts,
        });
        u32::try_from(self.files.len() - 1).unwrap_or(u32::MAX)
    }

    /// The file with this id.
    pub(crate) fn file(&self, id: u32) -> &SourceFile {
        &self.files[id as usize]
    }

    /// The line of `pos` with its neighbours and a caret under the column,
    /// formatted like Nix's error output.
    pub(crate) fn snippet(&self, file: u32, pos: &Pos) -> Option<String> {
        let f = self.file(file);
        let lines: Vec<&str> = f.text.split('\n').collect();
        let idx = (pos.line as usize).checked_sub(1)?;
        let line = lines.get(idx)?;
        let mut out = String::new();
        if idx > 0 {
            out.push_str(&code_line(idx, lines[idx - 1]));
            out.push('\n');
        }
        out.push_str(&code_line(idx + 1, line));
        out.push('\n');
        out.push_str(&format!(
            "{:>13}| {}^",
            "",
            " ".repeat((pos.column as usize).saturating_sub(1))
        ));
        // Nix reads files line by line (a final newline ends the last
        // line) but splits `-E` and stdin text at every newline.
        let from_file = f.name.starts_with('/');
        if let Some(next) = lines
            .get(idx + 1)
            .filter(|l| !from_file || idx + 2 < lines.len() || !l.is_empty())
        {
            out.push('\n');
            out.push_str(&code_line(idx + 2, next));
        }
        Some(out)
    }

    /// Resolves a span to file, line and column.
    pub(crate) fn resolve(&self, span: Span) -> Pos {
        let file = self.file(span.file);
        let line_idx = match file.line_starts.binary_search(&span.offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = file.line_starts[line_idx] as usize;
        let end = (span.offset as usize).min(file.text.len());
        let column = file
            .text
            .get(start..end)
            .map_or(end - start, |s| s.chars().count())
            + 1;
        Pos {
            file: file.name.clone(),
            line: u32::try_from(line_idx + 1).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
        }
    }
}

/// The edit distance between `a` and `b` (bytes, as Nix counts).
fn levenshtein(a: &[u8], b: &[u8]) -> usize {
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, x) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, y) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(x != y);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// One numbered source line of a snippet (an empty line has no trailing
/// space, as in Nix).
fn code_line(number: usize, text: &str) -> String {
    if text.is_empty() {
        format!("{number:>13}|")
    } else {
        format!("{number:>13}| {text}")
    }
}

/// Errors that `builtins.tryEval` catches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Catchable {
    /// `throw "msg"`.
    Throw(String),
    /// A failed `assert`; carries the asserted expression's source text.
    AssertionFailed(String),
}

/// What went wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ErrorKind {
    /// A catchable error (`throw`, `assert`).
    #[error("{}", match .0 {
        Catchable::Throw(m) => m.clone(),
        Catchable::AssertionFailed(e) => format!("assertion '{e}' failed"),
    })]
    Catchable(Catchable),
    /// `abort "msg"`.
    #[error("evaluation aborted with the following error message: '{0}'")]
    Abort(String),
    /// A value of the wrong type.
    #[error("value is {got} while {expected} was expected")]
    Type {
        /// Article and type name, e.g. `an integer`.
        got: String,
        /// Article and type name, e.g. `a set`.
        expected: &'static str,
    },
    /// A missing attribute in a selection.
    #[error("attribute '{0}' missing")]
    MissingAttr(String),
    /// A variable that is bound nowhere.
    #[error("undefined variable '{0}'")]
    UndefinedVar(String),
    /// A thunk was forced while it was being forced.
    #[error("infinite recursion encountered")]
    InfiniteRecursion,
    /// The evaluation nested deeper than the configured limit.
    #[error("stack overflow (possible infinite recursion)")]
    StackOverflow,
    /// The source could not be parsed.
    #[error("syntax error, {0}")]
    Parse(String),
    /// Something the evaluator does not implement yet.
    #[error("cairn does not implement {0} yet")]
    NotImplemented(String),
    /// A file could not be read.
    #[error("{0}")]
    Io(String),
    /// Any other error, with Nix's wording.
    #[error("{0}")]
    Other(String),
}

/// One frame of an error's trace: what was being evaluated and where.
///
/// Frames are only ever created on the error path, as the error travels
/// outwards through the evaluator, so a successful evaluation pays nothing
/// for them. Which frames exist follows Nix 2.8: attribute selections,
/// strict forcing of attributes, `import`, `builtins.addErrorContext` and
/// (with [`crate::EvalOptions::show_trace`]) function calls with their call
/// sites.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceFrame {
    /// The text after `… `, e.g. `while evaluating the attribute 'a.b'`.
    pub message: String,
    /// Where, when known.
    pub pos: Option<Pos>,
    /// The source lines around [`TraceFrame::pos`] with a caret.
    pub snippet: Option<String>,
    pub(crate) span: Option<Span>,
    /// A `from call site` frame of a call made by a builtin, whose position
    /// is the builtin's own call site, filled in when the error leaves it.
    pub(crate) pending_call_site: bool,
}

impl TraceFrame {
    fn new(message: String, span: Option<Span>) -> Self {
        TraceFrame {
            message,
            pos: None,
            snippet: None,
            span: span.filter(|s| *s != Span::NONE),
            pending_call_site: false,
        }
    }
}

/// An evaluation error: its kind, where it happened and the context trace.
/// Boxed so that results stay small; its fields are reached through
/// [`ErrorData`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvalError(Box<ErrorData>);

/// The contents of an [`EvalError`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorData {
    /// What went wrong.
    pub kind: ErrorKind,
    /// Where, when known.
    pub pos: Option<Pos>,
    /// The `… while evaluating …` frames, innermost first, recorded as the
    /// error propagated (see [`TraceFrame`]).
    pub trace: Vec<TraceFrame>,
    /// The source lines around [`ErrorData::pos`] with a caret, as Nix
    /// shows them.
    pub snippet: Option<String>,
    /// Names close to a misspelt one, best first (`Did you mean …?`).
    pub suggestions: Vec<String>,
    pub(crate) span: Option<Span>,
}

impl EvalError {
    /// A new error without a position.
    pub fn new(kind: ErrorKind) -> Self {
        EvalError(Box::new(ErrorData {
            kind,
            pos: None,
            trace: Vec::new(),
            snippet: None,
            suggestions: Vec::new(),
            span: None,
        }))
    }

    /// Whether `builtins.tryEval` catches this error.
    pub fn is_catchable(&self) -> bool {
        matches!(self.kind, ErrorKind::Catchable(_))
    }

    /// Attaches a span unless one is already known.
    pub(crate) fn at(mut self, span: Span) -> Self {
        if self.span.is_none() && self.pos.is_none() && span != Span::NONE {
            self.span = Some(span);
        }
        self
    }

    /// Marks the error as having no position, ever (Nix reports `throw`
    /// and `abort` without one).
    pub fn unpositioned(mut self) -> Self {
        self.span = Some(Span::NONE);
        self
    }

    /// Adds Nix's `Did you mean …?` suggestions: the (at most five)
    /// `candidates` within edit distance 2 of `query`, closest first.
    #[cold]
    #[must_use]
    pub fn suggest<'a>(
        mut self,
        query: &str,
        candidates: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let mut scored: Vec<(usize, &str)> = candidates
            .into_iter()
            .map(|c| (levenshtein(query.as_bytes(), c.as_bytes()), c))
            .filter(|(d, _)| *d <= 2)
            .collect();
        scored.sort_unstable();
        scored.dedup();
        self.0.suggestions = scored
            .into_iter()
            .take(5)
            .map(|(_, c)| c.to_string())
            .collect();
        self
    }

    /// Adds a trace frame without a position, e.g. the message of
    /// `builtins.addErrorContext` or a store-aware builtin's context.
    #[must_use]
    pub fn add_trace(mut self, message: impl Into<String>) -> Self {
        self.0.trace.push(TraceFrame::new(message.into(), None));
        self
    }

    /// Adds a trace frame at `span` (no position for [`Span::NONE`]).
    #[cold]
    pub(crate) fn add_trace_at(mut self, span: Span, message: String) -> Self {
        self.0.trace.push(TraceFrame::new(message, Some(span)));
        self
    }

    /// Adds the `from call site` frame of a function call: at `span`, or,
    /// for `None` (a call made by a builtin), at the builtin's call site
    /// once the error leaves it ([`EvalError::fill_call_sites`]).
    #[cold]
    pub(crate) fn add_call_site(mut self, span: Option<Span>) -> Self {
        let mut frame = TraceFrame::new("from call site".to_string(), span);
        frame.pending_call_site = span.is_none();
        self.0.trace.push(frame);
        self
    }

    /// Gives pending `from call site` frames the position of the builtin
    /// call the error is leaving.
    #[cold]
    pub(crate) fn fill_call_sites(mut self, span: Span) -> Self {
        for frame in self.0.trace.iter_mut().filter(|f| f.pending_call_site) {
            frame.pending_call_site = false;
            frame.span = Some(span).filter(|s| *s != Span::NONE);
        }
        self
    }

    /// Fills [`ErrorData::pos`] and the trace frames' positions from their
    /// spans.
    pub(crate) fn resolve(mut self, map: &SourceMap) -> Self {
        if self.pos.is_none()
            && let Some(span) = self.span
            && span != Span::NONE
        {
            let pos = map.resolve(span);
            self.snippet = map.snippet(span.file, &pos);
            self.pos = Some(pos);
        }
        for frame in &mut self.0.trace {
            if frame.pos.is_none()
                && let Some(span) = frame.span
            {
                let pos = map.resolve(span);
                frame.snippet = map.snippet(span.file, &pos);
                frame.pos = Some(pos);
            }
        }
        self
    }

    /// The error as Nix 2.8 prints it on standard error (without the final
    /// newline). With `show_trace` every trace frame follows the error;
    /// without it the frames are left out and, when there are any, Nix's
    /// hint `(use '--show-trace' to show detailed location information)`
    /// ends the text. (Function-call frames are only recorded with
    /// [`crate::EvalOptions::show_trace`], so they never cause the hint.)
    ///
    /// The text is laid out as Nix's error printer and logger do it: the
    /// continuation lines of multi-line messages are aligned under the
    /// text after `error: `, trailing blanks of every line and trailing
    /// blank lines are dropped, an error whose text is all blank prints as
    /// an empty line, and the whole goes through [`terminal_text`].
    pub fn render(&self, show_trace: bool) -> String {
        let mut body = String::new();
        self.write_head(&mut body);
        if show_trace {
            for frame in &self.trace {
                body.push_str("\n\n       … ");
                push_indented(&mut body, &frame.message);
                write_pos(&mut body, frame.pos.as_ref(), frame.snippet.as_deref());
            }
        }
        let mut out = if body[ERROR_PREFIX.len()..].trim().is_empty() {
            // Nix drops the blank text and then prefixes nothing.
            String::new()
        } else {
            let lines: Vec<&str> = body.lines().map(str::trim_end).collect();
            terminal_text(lines.join("\n").trim_end())
        };
        if !show_trace && !self.trace.is_empty() {
            out.push_str("\n(use '--show-trace' to show detailed location information)");
        }
        out
    }

    fn write_head(&self, out: &mut String) {
        out.push_str(ERROR_PREFIX);
        push_indented(out, &self.kind.to_string());
        write_pos(out, self.pos.as_ref(), self.snippet.as_deref());
        if let Some((last, first)) = self.suggestions.split_last() {
            out.push_str("\n       Did you mean ");
            if first.is_empty() {
                out.push_str(last);
            } else {
                out.push_str("one of ");
                out.push_str(&first.join(", "));
                out.push_str(" or ");
                out.push_str(last);
            }
            out.push('?');
        }
    }
}

/// What starts every error Nix prints; continuation lines are indented by
/// as many spaces.
const ERROR_PREFIX: &str = "error: ";

/// Appends `text` with its continuation lines indented to line up after
/// [`ERROR_PREFIX`] (and after `… ` of a trace frame, which sits there).
fn push_indented(out: &mut String, text: &str) {
    let mut lines = text.split('\n');
    out.push_str(lines.next().unwrap_or_default());
    for line in lines {
        out.push('\n');
        out.push_str(&" ".repeat(ERROR_PREFIX.len()));
        out.push_str(line);
    }
}

/// Text as Nix's logger writes it to a pipe or a file (its
/// `filterANSIEscapes`): escape sequences (`ESC [ … final` and two-byte
/// `ESC X`) and the characters `\r` and `\a` are removed, and each tab
/// becomes spaces up to the next multiple of 8 characters, counted from
/// the start of the whole text, newlines included (as Nix counts them, so
/// a tab on a later line does not line up by that line's columns).
/// Messages of `builtins.trace` go through it too (with their `trace: `).
pub fn terminal_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut width = 0usize;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => {
                if chars.next_if_eq(&'[').is_some() {
                    while chars
                        .next_if(|c| ('\u{30}'..='\u{3f}').contains(c))
                        .is_some()
                    {}
                    while chars
                        .next_if(|c| ('\u{20}'..='\u{2f}').contains(c))
                        .is_some()
                    {}
                    chars.next_if(|c| ('\u{40}'..='\u{7e}').contains(c));
                } else {
                    chars.next_if(|c| ('\u{40}'..='\u{5f}').contains(c));
                }
            }
            '\t' => {
                out.push(' ');
                width += 1;
                while !width.is_multiple_of(8) {
                    out.push(' ');
                    width += 1;
                }
            }
            '\r' | '\u{7}' => {}
            c => {
                out.push(c);
                width += 1;
            }
        }
    }
    out
}

impl std::ops::Deref for EvalError {
    type Target = ErrorData;
    fn deref(&self) -> &ErrorData {
        &self.0
    }
}

impl std::ops::DerefMut for EvalError {
    fn deref_mut(&mut self) -> &mut ErrorData {
        &mut self.0
    }
}

impl From<ErrorKind> for EvalError {
    fn from(kind: ErrorKind) -> Self {
        EvalError::new(kind)
    }
}

/// `at FILE:LINE:COL:` and the snippet, as Nix lays them out.
fn write_pos(out: &mut String, pos: Option<&Pos>, snippet: Option<&str>) {
    if let Some(pos) = pos {
        out.push_str(&format!("\n\n       at {pos}:"));
        if let Some(snippet) = snippet {
            out.push_str("\n\n");
            out.push_str(snippet);
        }
    }
}

/// The error with its whole trace, like Nix with `--show-trace`
/// ([`EvalError::render`] chooses).
impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(true))
    }
}

impl std::error::Error for EvalError {}

/// Shorthand result type of the evaluator.
pub type EvalResult<T> = Result<T, EvalError>;

/// Builds an [`ErrorKind::Other`] error.
pub(crate) fn other(msg: impl Into<String>) -> EvalError {
    EvalError::new(ErrorKind::Other(msg.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_line_and_column() {
        let mut map = SourceMap::default();
        let id = map.add("f.nix".into(), "a\nbc\n  x".into());
        let pos = map.resolve(Span {
            file: id,
            offset: 7,
        });
        assert_eq!(pos.to_string(), "f.nix:3:3");
        let pos = map.resolve(Span {
            file: id,
            offset: 0,
        });
        assert_eq!(pos.to_string(), "f.nix:1:1");
    }

    #[test]
    fn snippet_like_nix() {
        let mut map = SourceMap::default();
        let id = map.add(
            "/tmp/t.nix".into(),
            "let\n  a = 1;\n  b = a.x;\nin\n  b\n".into(),
        );
        let err = EvalError::new(ErrorKind::Type {
            got: "an integer".into(),
            expected: "a set",
        })
        .at(Span {
            file: id,
            offset: 19,
        })
        .resolve(&map);
        let want = "error: value is an integer while a set was expected\n\n       at /tmp/t.nix:3:7:\n\n            2|   a = 1;\n            3|   b = a.x;\n             |       ^\n            4| in";
        assert_eq!(err.to_string(), want);
    }

    #[test]
    fn suggestions_like_nix() {
        let err = EvalError::new(ErrorKind::MissingAttr("abe".into()))
            .suggest("abe", ["xyz", "abd", "abc", "abcdef"]);
        assert_eq!(
            err.to_string(),
            "error: attribute 'abe' missing\n       Did you mean one of abc or abd?"
        );
        let err = EvalError::new(ErrorKind::MissingAttr("a".into()))
            .suggest("a", ["b", "c", "d", "e", "f", "g"]);
        assert_eq!(err.suggestions, ["b", "c", "d", "e", "f"]);
        assert!(
            EvalError::new(ErrorKind::MissingAttr("zzzzz".into()))
                .suggest("zzzzz", ["abc"])
                .suggestions
                .is_empty()
        );
        assert_eq!(levenshtein(b"kitten", b"sitting"), 3);
    }

    #[test]
    fn multi_line_messages_laid_out_like_nix() {
        let throw = |m: &str| EvalError::new(ErrorKind::Catchable(Catchable::Throw(m.into())));
        assert_eq!(throw("a  \nb\n\n").render(false), "error: a\n       b");
        assert_eq!(
            throw("\nline2\n  x\n").render(false),
            "error:\n       line2\n         x"
        );
        assert_eq!(throw("a\n\nb").render(false), "error: a\n\n       b");
        // A blank error prints as an empty line, hint or not.
        assert_eq!(throw(" \n ").render(false), "");
        assert_eq!(
            throw("").add_trace("ctx").render(false),
            "\n(use '--show-trace' to show detailed location information)"
        );
        assert_eq!(
            throw("\n").add_trace("ctx  \nmore\n").render(true),
            "error:\n\n\n       … ctx\n       more"
        );
        assert_eq!(
            throw("x").add_trace("").render(true),
            "error: x\n\n       …"
        );
    }

    #[test]
    fn terminal_text_filters_like_nix_logger() {
        assert_eq!(terminal_text("error: a\tb"), "error: a        b");
        // Tab stops count from the start of the text, newlines included.
        assert_eq!(
            terminal_text("error: x\n       ab\tc"),
            "error: x\n       ab      c"
        );
        assert_eq!(terminal_text("é\tx"), "é       x");
        assert_eq!(
            terminal_text("\u{1b}[31mred\u{1b}[0m x\u{7}y\r z\u{1b}]0;t"),
            "red xy z0;t"
        );
        assert_eq!(terminal_text("\u{1b}[1;2Hd\u{1}"), "d\u{1}");
    }

    #[test]
    fn catchable_split() {
        assert!(EvalError::new(ErrorKind::Catchable(Catchable::Throw("x".into()))).is_catchable());
        assert!(!EvalError::new(ErrorKind::Abort("x".into())).is_catchable());
        assert_eq!(
            EvalError::new(ErrorKind::MissingAttr("x".into())).to_string(),
            "error: attribute 'x' missing"
        );
    }
}
