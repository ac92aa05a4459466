//! Debian version numbers (`[epoch:]upstream[-revision]`) and their order,
//! as dpkg compares them: needed to pick the newest of the versions that
//! `bookworm`, `bookworm-updates` and `bookworm-security` each offer.

use std::cmp::Ordering;
use std::fmt;

/// A Debian version, compared the way `dpkg --compare-versions` does.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Version {
    text: String,
}

impl Version {
    /// Wraps `text`; any string is accepted (apt's indexes are trusted to
    /// hold valid versions, and an odd one still orders deterministically).
    #[must_use]
    pub fn new(text: &str) -> Version {
        Version {
            text: text.to_owned(),
        }
    }

    /// The version as written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }

    fn parts(&self) -> (u64, &str, &str) {
        let (epoch, rest) = match self.text.split_once(':') {
            Some((epoch, rest)) if epoch.bytes().all(|b| b.is_ascii_digit()) => {
                (epoch.parse().unwrap_or(u64::MAX), rest)
            }
            _ => (0, self.text.as_str()),
        };
        match rest.rsplit_once('-') {
            Some((upstream, revision)) => (epoch, upstream, revision),
            None => (epoch, rest, ""),
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Version) -> Ordering {
        let (e1, u1, r1) = self.parts();
        let (e2, u2, r2) = other.parts();
        e1.cmp(&e2)
            .then_with(|| compare_part(u1, u2))
            .then_with(|| compare_part(r1, r2))
            .then_with(|| self.text.cmp(&other.text))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Version) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// dpkg's character order for the non-digit runs: `~` before everything,
/// even the end of the string; letters before other characters.
fn order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(b'~') => -1,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(c) => i32::from(c) + 256,
    }
}

fn compare_part(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    while !a.is_empty() || !b.is_empty() {
        // Non-digit prefixes, character by character.
        loop {
            let ca = a.first().copied().filter(|c| !c.is_ascii_digit());
            let cb = b.first().copied().filter(|c| !c.is_ascii_digit());
            if ca.is_none() && cb.is_none() {
                break;
            }
            let (oa, ob) = (order(ca), order(cb));
            if oa != ob {
                return oa.cmp(&ob);
            }
            a = &a[usize::from(ca.is_some())..];
            b = &b[usize::from(cb.is_some())..];
        }
        // Digit runs, numerically (without overflow: strip zeros, then
        // compare length, then lexically).
        let da = a.iter().take_while(|c| c.is_ascii_digit()).count();
        let db = b.iter().take_while(|c| c.is_ascii_digit()).count();
        let na = strip_zeros(&a[..da]);
        let nb = strip_zeros(&b[..db]);
        let ordering = na.len().cmp(&nb.len()).then_with(|| na.cmp(nb));
        if ordering != Ordering::Equal {
            return ordering;
        }
        a = &a[da..];
        b = &b[db..];
    }
    Ordering::Equal
}

fn strip_zeros(digits: &[u8]) -> &[u8] {
    let start = digits
        .iter()
        .position(|&d| d != b'0')
        .unwrap_or(digits.len());
    &digits[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dpkg_order() {
        // Each pair: left < right, as `dpkg --compare-versions A lt B`.
        let pairs = [
            ("1.0", "1.1"),
            ("1.0~rc1", "1.0"),
            ("1.0", "1.0-1"),
            ("1.0-1", "1.0a-1"),
            ("2.36-9+deb12u13", "2.36-9+deb12u14"),
            ("2.36-9+deb12u9", "2.36-9+deb12u10"),
            ("9:1.0", "1:1.0"),
            ("1:0.1", "2:0.0"),
            ("1.35.0-4+deb12u1", "1.35.0-4+deb12u1+b1"),
            ("5.2.15-2+b2", "5.2.15-2+b13"),
            ("1.0~~", "1.0~"),
            ("1.0a", "1.0+"),
            ("1.01", "1.2"),
        ];
        for (low, high) in pairs {
            let (low_v, high_v) = (Version::new(low), Version::new(high));
            if low == "9:1.0" {
                assert!(low_v > high_v, "{low} > {high}");
                continue;
            }
            assert!(low_v < high_v, "{low} < {high}");
            assert!(high_v > low_v, "{high} > {low}");
        }
        assert_eq!(
            Version::new("1.0").cmp(&Version::new("1.0")),
            Ordering::Equal
        );
    }
}
