//! Which generations a deletion removes, with `nix-env --delete-generations`'
//! argument syntax and rules (checked against Nix 2.8).
//!
//! | Argument | Removes |
//! |---|---|
//! | `3 4 7` | those generations (missing ones are ignored); naming the current one is an error |
//! | `+K` | generations older than the current one, except the K−1 newest of them (the current one counts towards K); generations newer than the current one stay |
//! | `Nd` | generations created more than N days ago, except the newest of those (it was still live N days ago) and the current one |
//! | `old` | every generation except the current one, newer ones included |

use std::collections::BTreeSet;

use crate::error::ProfileError;
use crate::generation::Generation;

/// Seconds in a day, as `Nd` counts them.
const DAY: i64 = 24 * 60 * 60;

/// A rule choosing generations to delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeleteSelector {
    /// These generation numbers.
    Numbers(BTreeSet<u64>),
    /// Keep the current generation and the generations just before it, K
    /// in all (`+K`, K ≥ 1); generations after the current one are kept.
    KeepLast(u64),
    /// Generations older than this many days, except the newest of them
    /// (`Nd`, N ≥ 1).
    OlderThanDays(u64),
    /// Every generation but the current one (`old`, and `wipe-history`).
    AllButCurrent,
}

impl DeleteSelector {
    /// Parses `delete-generations` arguments the way `nix-env` does: a
    /// single `old`, `+K` or `Nd`, or any number of generation numbers.
    ///
    /// # Errors
    /// [`ProfileError::BadSelector`] with Nix's message.
    pub fn parse<S: AsRef<str>>(args: &[S]) -> Result<DeleteSelector, ProfileError> {
        let bad = |message: String| ProfileError::BadSelector { message };
        if let [only] = args {
            let only = only.as_ref();
            if only == "old" {
                return Ok(DeleteSelector::AllButCurrent);
            }
            if only.contains('d') {
                return DeleteSelector::parse_days(only);
            }
            if only.contains('+') {
                if only.len() < 2 {
                    return Err(bad(format!("invalid number of generations '{only}'")));
                }
                return match only[1..].parse::<u64>() {
                    Ok(keep) if keep > 0 && only.starts_with('+') => {
                        Ok(DeleteSelector::KeepLast(keep))
                    }
                    _ => Err(bad(format!(
                        "invalid number of generations to keep '{only}'"
                    ))),
                };
            }
        }
        if args.is_empty() {
            return Err(bad(
                "no generations given; name numbers, '+K', 'Nd' or 'old'".to_owned(),
            ));
        }
        let mut numbers = BTreeSet::new();
        for arg in args {
            let arg = arg.as_ref();
            match arg.parse::<u64>() {
                Ok(number) if arg.bytes().all(|b| b.is_ascii_digit()) => {
                    numbers.insert(number);
                }
                _ => return Err(bad(format!("invalid generation number '{arg}'"))),
            }
        }
        Ok(DeleteSelector::Numbers(numbers))
    }

    /// Parses `Nd` (N ≥ 1 days), as `--older-than` takes it.
    ///
    /// # Errors
    /// [`ProfileError::BadSelector`] with Nix's message.
    pub fn parse_days(text: &str) -> Result<DeleteSelector, ProfileError> {
        let Some(days) = text.strip_suffix('d') else {
            return Err(ProfileError::BadSelector {
                message: format!(
                    "invalid number of days specifier '{text}', expected something like '14d'"
                ),
            });
        };
        match days.parse::<u64>() {
            Ok(days) if days >= 1 && i64::try_from(days).is_ok_and(|d| d < i64::MAX / DAY) => {
                Ok(DeleteSelector::OlderThanDays(days))
            }
            _ => Err(ProfileError::BadSelector {
                message: format!("invalid number of days specifier '{text}'"),
            }),
        }
    }

    /// The generations of `generations` (sorted oldest first) this selector
    /// deletes, in the order Nix removes them, given the current generation
    /// and the time now (seconds since the epoch). Never includes the
    /// current generation.
    ///
    /// # Errors
    /// [`ProfileError::DeleteCurrent`] when [`DeleteSelector::Numbers`]
    /// names the current generation (`profile` is for the message).
    pub fn select<'a>(
        &self,
        profile: &std::path::Path,
        generations: &'a [Generation],
        current: Option<u64>,
        now: i64,
    ) -> Result<Vec<&'a Generation>, ProfileError> {
        let is_current = |g: &Generation| Some(g.number) == current;
        Ok(match self {
            DeleteSelector::Numbers(numbers) => {
                if let Some(number) = current.filter(|c| numbers.contains(c)) {
                    return Err(ProfileError::DeleteCurrent {
                        profile: profile.to_owned(),
                        number,
                    });
                }
                generations
                    .iter()
                    .filter(|g| numbers.contains(&g.number))
                    .collect()
            }
            DeleteSelector::AllButCurrent => {
                generations.iter().filter(|g| !is_current(g)).collect()
            }
            DeleteSelector::KeepLast(keep) => {
                let mut keep = *keep;
                let mut from_current = false;
                let mut doomed = Vec::new();
                for generation in generations.iter().rev() {
                    if is_current(generation) {
                        from_current = true;
                        keep = keep.saturating_sub(1);
                    } else if from_current {
                        if keep > 0 {
                            keep -= 1;
                        } else {
                            doomed.push(generation);
                        }
                    }
                }
                doomed
            }
            DeleteSelector::OlderThanDays(days) => {
                let days = i64::try_from(*days).unwrap_or(i64::MAX / DAY);
                let cutoff = now.saturating_sub(days.saturating_mul(DAY));
                let mut can_delete = false;
                let mut doomed = Vec::new();
                for generation in generations.iter().rev() {
                    if can_delete {
                        if !is_current(generation) {
                            doomed.push(generation);
                        }
                    } else if generation.created_seconds() < cutoff {
                        // The newest generation older than the cutoff was
                        // still the live one at the cutoff: keep it.
                        can_delete = true;
                    }
                }
                doomed
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<DeleteSelector, String> {
        DeleteSelector::parse(args).map_err(|e| e.to_string())
    }

    #[test]
    fn parses_like_nix_env() {
        assert_eq!(parse(&["old"]), Ok(DeleteSelector::AllButCurrent));
        assert_eq!(parse(&["+3"]), Ok(DeleteSelector::KeepLast(3)));
        assert_eq!(parse(&["30d"]), Ok(DeleteSelector::OlderThanDays(30)));
        assert_eq!(
            parse(&["3", "1", "3"]),
            Ok(DeleteSelector::Numbers(BTreeSet::from([1, 3])))
        );
        // Messages as Nix 2.8 prints them.
        assert_eq!(
            parse(&["+0"]),
            Err("invalid number of generations to keep '+0'".into())
        );
        assert_eq!(
            parse(&["+"]),
            Err("invalid number of generations '+'".into())
        );
        assert_eq!(
            parse(&["0d"]),
            Err("invalid number of days specifier '0d'".into())
        );
        assert_eq!(
            parse(&["30x"]),
            Err("invalid generation number '30x'".into())
        );
        assert_eq!(
            parse(&["abc"]),
            Err("invalid generation number 'abc'".into())
        );
        assert_eq!(
            parse(&["1", "old"]),
            Err("invalid generation number 'old'".into())
        );
        assert_eq!(
            parse(&["d"]),
            Err("invalid number of days specifier 'd'".into())
        );
        assert_eq!(
            DeleteSelector::parse_days("30").map_err(|e| e.to_string()),
            Err("invalid number of days specifier '30', expected something like '14d'".into())
        );
        assert!(parse(&["-1"]).is_err());
        assert!(parse(&["1+"]).is_err());
        assert!(parse(&[]).is_err());
    }
}
