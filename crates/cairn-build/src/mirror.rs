//! `mirror://NAME/PATH` URLs: one logical location served by several
//! base URLs, tried in order.
//!
//! Package sets name files by where they live in an archive
//! (`mirror://debian/pool/main/h/hello/hello_2.10.orig.tar.gz`), not by a
//! host: which host serves that archive is the machine's business, so the
//! base URLs come from cairn's configuration (`mirrors.NAME = URL …`, see
//! `cairn-settings`), never from the expression. This module turns such a
//! URL into the list of concrete URLs to try ([`mirror_candidates`]) and
//! runs a download over that list until one succeeds ([`first_success`]),
//! so `builtin:fetchurl` and the evaluation-time fetchers of `cairn-glue`
//! resolve mirrors the same way.
//!
//! Every kind of failure moves on to the next base URL (an unreachable
//! host, an HTTP error such as a 404 from an archive that does not carry
//! the file, a missing `file://` file, a scheme cairn cannot fetch): a
//! mirror list is usually a main archive and its companions (Debian's
//! security updates live in a second archive beside the main one), so a
//! file missing from one is expected. What was downloaded is not judged
//! here: a fixed-output derivation's hash is checked after the download,
//! and a mismatch stays fatal. When every URL fails, the error lists each
//! one with its reason.

use std::collections::BTreeMap;

/// The scheme of URLs resolved through the configured mirrors.
pub const MIRROR_SCHEME: &str = "mirror://";

/// Mirror name → base URLs, in the order they are tried (the
/// `mirrors.NAME` settings).
pub type Mirrors = BTreeMap<String, Vec<String>>;

/// A `mirror://` URL that cannot be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MirrorError {
    /// No base URL is configured for the mirror (the name is unknown, or
    /// its list is empty).
    #[error("{url}: no mirror is configured for '{name}'")]
    Unconfigured {
        /// The `mirror://` URL.
        url: String,
        /// The mirror's name.
        name: String,
    },
    /// Not `mirror://NAME/PATH` with a non-empty name and path.
    #[error("{url}: expected a URL of the form 'mirror://NAME/PATH'")]
    Malformed {
        /// The URL.
        url: String,
    },
}

impl MirrorError {
    /// What the user can do about it (the setting to add).
    #[must_use]
    pub fn help(&self) -> String {
        match self {
            MirrorError::Unconfigured { name, .. } => format!(
                "add `mirrors.{name} = URL …` to cairn.conf, or pass \
                 `--option mirrors.{name} URL`"
            ),
            MirrorError::Malformed { .. } => {
                "write the URL as 'mirror://NAME/PATH', e.g. 'mirror://debian/pool/…'".to_owned()
            }
        }
    }
}

/// The URLs to try for `url`, in order: `url` itself unless it is a
/// `mirror://NAME/PATH` URL, else `PATH` appended to each base URL of
/// mirror `NAME` with exactly one `/` between them.
///
/// # Errors
/// A malformed `mirror://` URL, or one whose mirror has no base URL.
pub fn mirror_candidates(url: &str, mirrors: &Mirrors) -> Result<Vec<String>, MirrorError> {
    let Some(rest) = url.strip_prefix(MIRROR_SCHEME) else {
        return Ok(vec![url.to_owned()]);
    };
    let malformed = || MirrorError::Malformed {
        url: url.to_owned(),
    };
    let (name, path) = rest.split_once('/').ok_or_else(malformed)?;
    let path = path.trim_start_matches('/');
    if name.is_empty() || path.is_empty() {
        return Err(malformed());
    }
    let bases = mirrors.get(name).map_or(&[][..], Vec::as_slice);
    if bases.is_empty() {
        return Err(MirrorError::Unconfigured {
            url: url.to_owned(),
            name: name.to_owned(),
        });
    }
    Ok(bases
        .iter()
        .map(|base| format!("{}/{path}", base.trim_end_matches('/')))
        .collect())
}

/// Runs `attempt` on each of `candidates` (from [`mirror_candidates`]
/// for `url`) until one succeeds.
///
/// # Errors
/// Every attempt failed. For a plain URL (a single candidate that is the
/// URL itself) the error is that attempt's reason, unchanged; for a
/// `mirror://` URL it lists every URL tried with its reason, one per line.
pub fn first_success<T>(
    url: &str,
    candidates: &[String],
    mut attempt: impl FnMut(&str) -> Result<T, String>,
) -> Result<T, String> {
    let mut failures = Vec::with_capacity(candidates.len());
    for candidate in candidates {
        match attempt(candidate) {
            Ok(value) => return Ok(value),
            Err(reason) => failures.push((candidate, reason)),
        }
    }
    match failures.as_slice() {
        [(only, reason)] if only.as_str() == url => Err(reason.clone()),
        _ => {
            let mut text = format!(
                "no mirror has it; tried {} URL{}:",
                failures.len(),
                if failures.len() == 1 { "" } else { "s" }
            );
            for (candidate, reason) in failures {
                text.push_str(&format!("\n  {candidate}: {reason}"));
            }
            Err(text)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mirrors(pairs: &[(&str, &[&str])]) -> Mirrors {
        pairs
            .iter()
            .map(|(name, urls)| {
                (
                    (*name).to_owned(),
                    urls.iter().map(|u| (*u).to_owned()).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn plain_urls_are_their_own_candidate() {
        let m = mirrors(&[]);
        assert_eq!(
            mirror_candidates("http://h.invalid/x", &m).unwrap(),
            ["http://h.invalid/x"]
        );
    }

    #[test]
    fn joins_with_exactly_one_slash_in_order() {
        let m = mirrors(&[(
            "debian",
            &[
                "http://a.invalid/debian/",
                "file:///srv/b",
                "http://c.invalid//",
            ],
        )]);
        assert_eq!(
            mirror_candidates("mirror://debian/pool/main/x.deb", &m).unwrap(),
            [
                "http://a.invalid/debian/pool/main/x.deb",
                "file:///srv/b/pool/main/x.deb",
                "http://c.invalid/pool/main/x.deb",
            ]
        );
        assert_eq!(
            mirror_candidates("mirror://debian//pool/x", &m).unwrap()[1],
            "file:///srv/b/pool/x"
        );
    }

    #[test]
    fn unknown_or_empty_mirror_names_the_setting() {
        let m = mirrors(&[("gnu", &[])]);
        for (url, name) in [
            ("mirror://debian/pool/x.deb", "debian"),
            ("mirror://gnu/hello.tar.gz", "gnu"),
        ] {
            let err = mirror_candidates(url, &m).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("{url}: no mirror is configured for '{name}'")
            );
            assert_eq!(
                err.help(),
                format!(
                    "add `mirrors.{name} = URL …` to cairn.conf, or pass \
                     `--option mirrors.{name} URL`"
                )
            );
        }
    }

    #[test]
    fn malformed_mirror_urls() {
        let m = mirrors(&[("debian", &["file:///m"])]);
        for url in ["mirror://debian", "mirror://debian/", "mirror:///pool/x"] {
            assert_eq!(
                mirror_candidates(url, &m),
                Err(MirrorError::Malformed {
                    url: url.to_owned()
                })
            );
        }
    }

    #[test]
    fn falls_back_in_order_and_stops_at_the_first_success() {
        let candidates = ["u1".to_owned(), "u2".to_owned(), "u3".to_owned()];
        let mut tried = Vec::new();
        let got = first_success("mirror://m/p", &candidates, |u| {
            tried.push(u.to_owned());
            if u == "u2" {
                Ok(2)
            } else {
                Err(format!("{u} failed"))
            }
        });
        assert_eq!(got, Ok(2));
        assert_eq!(tried, ["u1", "u2"]);
    }

    #[test]
    fn lists_every_failure() {
        let candidates = ["http://a/p".to_owned(), "file:///b/p".to_owned()];
        let err = first_success::<()>("mirror://m/p", &candidates, |u| {
            Err(if u.starts_with("http") {
                "HTTP error 404".to_owned()
            } else {
                "missing".to_owned()
            })
        })
        .unwrap_err();
        assert_eq!(
            err,
            "no mirror has it; tried 2 URLs:\n  http://a/p: HTTP error 404\n  file:///b/p: missing"
        );
        // A single mirror still names the URL it resolved to.
        let one = ["file:///b/p".to_owned()];
        let err = first_success::<()>("mirror://m/p", &one, |_| Err("missing".into())).unwrap_err();
        assert_eq!(
            err,
            "no mirror has it; tried 1 URL:\n  file:///b/p: missing"
        );
        // A plain URL keeps its reason as it is.
        let plain = ["file:///b/p".to_owned()];
        let err =
            first_success::<()>("file:///b/p", &plain, |_| Err("missing".into())).unwrap_err();
        assert_eq!(err, "missing");
    }
}
