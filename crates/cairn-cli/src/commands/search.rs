//! `cairn search [REGEX…]`: the packages of the collection whose
//! attribute name, package name or description matches every REGEX, like
//! `nix search`.
//!
//! Terms are POSIX extended regular expressions matched case-insensitively
//! anywhere in those three fields, as `nix search` matches them; without
//! a term every package is listed. Results are sorted by attribute name
//! and printed as
//!
//! ```text
//! * hello (2.10)
//!   A program that produces a familiar, friendly greeting
//! ```
//!
//! with the matched parts highlighted when standard output is a terminal
//! and `NO_COLOR` is unset, and packages the collection's policy refuses
//! marked (`[unfree: not allowed]`). A summary line goes to standard
//! error. As with `nix search`, finding nothing is an error (exit 1)
//! unless `--json` was asked for, which prints `{}`.
//!
//! The collection is evaluated read-only and only its names and `meta`
//! are read (see `commands::collection`), so the store is not written and
//! no source is hashed.

use std::io::{IsTerminal, Write};
use std::ops::Range;

use cairn_glue::Mode;
use cairn_settings::Settings;
use regex::{Regex, RegexBuilder};

use crate::args::SearchArgs;
use crate::commands::collection::{self, Package};
use crate::commands::{emit_line, instantiation};
use crate::environment::Environment;
use crate::error::{CliError, CliResult, ErrorKind};

/// Bold, for attribute names.
const BOLD: &str = "\x1b[1m";
/// Bold green, for the parts a term matched.
const MATCH: &str = "\x1b[1;32m";
/// Yellow, for refusals.
const WARN: &str = "\x1b[33m";
/// Back to normal.
const RESET: &str = "\x1b[0m";

/// Runs `cairn search`.
pub(crate) fn run(
    args: &SearchArgs,
    settings: &Settings,
    env: &Environment,
    stdout: &mut dyn Write,
) -> CliResult {
    let terms = compile(&args.regex)?;
    let path = collection::collection_path(args.file.as_deref(), settings)?;
    let mut evaluator =
        instantiation::store_evaluator_in(&args.store, &[], false, settings, env, Mode::ReadOnly)?;
    let listing = collection::packages(&mut evaluator, &path)?;
    for (attr_path, message) in &listing.skipped {
        report(&format!("warning: skipped '{attr_path}': {message}"));
    }
    let hits: Vec<Hit<'_>> = listing
        .packages
        .iter()
        .filter_map(|package| Hit::find(package, &terms))
        .collect();

    if args.json {
        return emit_line(stdout, &json(&hits)?);
    }
    if hits.is_empty() {
        return Err(no_match(&args.regex));
    }
    let color = env.color() && std::io::stdout().is_terminal();
    for (index, hit) in hits.iter().enumerate() {
        if index > 0 {
            emit_line(stdout, "")?;
        }
        for line in hit.lines(color) {
            emit_line(stdout, &line)?;
        }
    }
    let count = match hits.len() {
        1 => "1 package".to_owned(),
        n => format!("{n} packages"),
    };
    if args.regex.is_empty() {
        report(&format!("Found {count}"));
    } else {
        report(&format!("Found {count} matching {}", quoted(&args.regex)));
    }
    Ok(())
}

/// Prints a summary line for the user on standard error.
#[expect(
    clippy::print_stderr,
    reason = "summaries and warnings are for the user"
)]
fn report(line: &str) {
    eprintln!("{line}");
}

/// A search term and its compiled, case-insensitive regular expression.
struct Term {
    regex: Regex,
}

/// Compiles each term; an invalid one is a user error naming it.
fn compile(terms: &[String]) -> CliResult<Vec<Term>> {
    terms
        .iter()
        .map(|term| {
            RegexBuilder::new(term)
                .case_insensitive(true)
                .build()
                .map(|regex| Term { regex })
                .map_err(|err| {
                    CliError::from_error(ErrorKind::User, &err)
                        .context(format!("invalid regular expression '{term}'"))
                        .with_help(
                            "terms are POSIX extended regular expressions; \
                             put a backslash before a special character to match it as it is",
                        )
                })
        })
        .collect()
}

/// A package that matched every term, with what to highlight.
struct Hit<'a> {
    package: &'a Package,
    /// Byte ranges of the attribute path that a term matched.
    in_attr_path: Vec<Range<usize>>,
    /// Byte ranges of the description that a term matched.
    in_description: Vec<Range<usize>>,
}

impl<'a> Hit<'a> {
    /// `package` if every term matches its attribute path, package name
    /// or description.
    fn find(package: &'a Package, terms: &[Term]) -> Option<Hit<'a>> {
        let mut hit = Hit {
            package,
            in_attr_path: Vec::new(),
            in_description: Vec::new(),
        };
        for term in terms {
            let mut matched = term.regex.is_match(&package.pname);
            for (text, spans) in [
                (&package.attr_path, &mut hit.in_attr_path),
                (&package.description, &mut hit.in_description),
            ] {
                for found in term.regex.find_iter(text) {
                    matched = true;
                    if !found.is_empty() {
                        spans.push(found.range());
                    }
                }
            }
            if !matched {
                return None;
            }
        }
        Some(hit)
    }

    /// The lines printed for it: `* ATTR (VERSION) [REFUSAL]` and the
    /// indented description.
    fn lines(&self, color: bool) -> [String; 2] {
        let package = self.package;
        let mut head = String::from("* ");
        if color {
            head.push_str(BOLD);
            head.push_str(&highlight(&package.attr_path, &self.in_attr_path, BOLD));
            head.push_str(RESET);
        } else {
            head.push_str(&package.attr_path);
        }
        if !package.version.is_empty() {
            head.push_str(&format!(" ({})", package.version));
        }
        if let Some(refusal) = package.refusal {
            let mark = format!("[{}]", refusal.label());
            if color {
                head.push_str(&format!(" {WARN}{mark}{RESET}"));
            } else {
                head.push_str(&format!(" {mark}"));
            }
        }
        let description = if color {
            highlight(&package.description, &self.in_description, "")
        } else {
            package.description.clone()
        };
        [head, format!("  {description}")]
    }
}

/// `text` with the (possibly overlapping) `spans` in [`MATCH`], the rest
/// in `base` (the style the caller put the text in).
fn highlight(text: &str, spans: &[Range<usize>], base: &str) -> String {
    let mut spans = spans.to_vec();
    spans.sort_by_key(|span| span.start);
    let mut merged: Vec<Range<usize>> = Vec::new();
    for span in spans {
        match merged.last_mut() {
            Some(last) if span.start <= last.end => last.end = last.end.max(span.end),
            _ => merged.push(span),
        }
    }
    let mut out = String::new();
    let mut at = 0;
    for span in merged {
        out.push_str(&text[at..span.start]);
        out.push_str(MATCH);
        out.push_str(&text[span.clone()]);
        out.push_str(RESET);
        out.push_str(base);
        at = span.end;
    }
    out.push_str(&text[at..]);
    out
}

/// `--json`: an object keyed by attribute path, like `nix search --json`
/// with more of `meta`.
fn json(hits: &[Hit<'_>]) -> CliResult<String> {
    let object: serde_json::Map<String, serde_json::Value> = hits
        .iter()
        .map(|hit| {
            let package = hit.package;
            let license = match package.licenses.as_slice() {
                [] => serde_json::Value::Null,
                names => names.join(", ").into(),
            };
            let value = serde_json::json!({
                "pname": package.pname,
                "version": package.version,
                "description": package.description,
                "license": license,
                "mainProgram": package.main_program,
                "homepage": package.homepage,
                "available": package.available,
            });
            (package.attr_path.clone(), value)
        })
        .collect();
    serde_json::to_string_pretty(&object)
        .map_err(|err| CliError::from_error(ErrorKind::Internal, &err))
}

/// `'a'`, `'a' and 'b'`, `'a', 'b' and 'c'`.
fn quoted(terms: &[String]) -> String {
    let quoted: Vec<String> = terms.iter().map(|term| format!("'{term}'")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => quoted.concat(),
    }
}

/// Finding nothing: exit 1, like `nix search`, with a hint.
fn no_match(terms: &[String]) -> CliError {
    let (message, hint) = match terms.len() {
        0 => (
            "The collection has no packages".to_owned(),
            "a package is a derivation with a `meta.description`",
        ),
        1 => (
            format!("No packages match {}", quoted(terms)),
            "the term is a case-insensitive regular expression, matched against attribute \
             names, package names and descriptions; try a shorter one",
        ),
        _ => (
            format!("No packages match {}", quoted(terms)),
            "every term must match the attribute name, package name or description; \
             try fewer terms",
        ),
    };
    CliError::verbatim(format!("{message}\nhint: {hint}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_matches_are_highlighted_once() {
        let text = "greeting";
        let out = highlight(text, &[0..3, 1..2, 5..8], "");
        assert_eq!(out, format!("{MATCH}gre{RESET}et{MATCH}ing{RESET}"));
        let out = highlight(text, &[3..4, 0..3], BOLD);
        assert_eq!(out, format!("{MATCH}gree{RESET}{BOLD}ting"));
    }

    #[test]
    fn colored_lines_mark_matches_and_refusals() {
        let package = Package {
            attr_path: "unfree-greeting".to_owned(),
            pname: "unfree-greeting".to_owned(),
            version: "1.0".to_owned(),
            description: "A greeting".to_owned(),
            homepage: None,
            licenses: vec!["unfree".to_owned()],
            main_program: None,
            available: false,
            refusal: Some(collection::Refusal::Unfree),
        };
        let terms = compile(&["GREET".to_owned()]).unwrap();
        let hit = Hit::find(&package, &terms).unwrap();
        assert_eq!(
            hit.lines(true),
            [
                format!(
                    "* {BOLD}unfree-{MATCH}greet{RESET}{BOLD}ing{RESET} (1.0) {WARN}[unfree: not allowed]{RESET}"
                ),
                format!("  A {MATCH}greet{RESET}ing"),
            ]
        );
        assert_eq!(
            hit.lines(false),
            [
                "* unfree-greeting (1.0) [unfree: not allowed]",
                "  A greeting"
            ]
        );
        assert!(Hit::find(&package, &compile(&["x".to_owned()]).unwrap()).is_none());
    }

    #[test]
    fn terms_are_listed_in_prose() {
        let terms = |t: &[&str]| t.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(quoted(&terms(&["a"])), "'a'");
        assert_eq!(quoted(&terms(&["a", "b"])), "'a' and 'b'");
        assert_eq!(quoted(&terms(&["a", "b", "c"])), "'a', 'b' and 'c'");
    }
}
