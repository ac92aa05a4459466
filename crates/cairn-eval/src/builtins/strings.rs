//! String builtins: slicing, joining, replacing, regular expressions,
//! versions, hashes and string contexts. Every operation carries the
//! context of its inputs to its result.

use std::rc::Rc;

use regex::Regex;

use crate::Evaluator;
use crate::error::{EvalResult, other};
use crate::value::{Attrs, Context, NixString, Value};

pub(super) fn string_length(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let s = ev.coerce_to_string_rc(&a[0], false, true)?;
    Ok(Value::Int(
        i64::try_from(s.as_str().len()).unwrap_or(i64::MAX),
    ))
}

pub(super) fn substring(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let start = ev.expect_int(&a[0])?;
    let len = ev.expect_int(&a[1])?;
    let s = ev.coerce_to_string_rc(&a[2], false, true)?;
    let start =
        usize::try_from(start).map_err(|_| other("negative start position in 'substring'"))?;
    let bytes = s.as_str().as_bytes();
    let from = start.min(bytes.len());
    let to = match usize::try_from(len) {
        Ok(l) => from.saturating_add(l).min(bytes.len()),
        Err(_) => bytes.len(),
    };
    if from == 0 && to == bytes.len() {
        // The whole string: the same text and context.
        return Ok(Value::String(s));
    }
    // Byte offsets: a cut inside a character becomes U+FFFD (the text
    // stays UTF-8), checked without rescanning the slice when both ends
    // are character boundaries.
    let text = match s.as_str().get(from..to) {
        Some(t) => t.to_owned(),
        None => String::from_utf8_lossy(&bytes[from..to]).into_owned(),
    };
    let mut out = NixString::new(text);
    out.merge_context_from(&s);
    Ok(Value::nix_string(out))
}

pub(super) fn concat_strings_sep(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let sep = ev.coerce_to_string_rc(&a[0], false, true)?;
    let l = ev.expect_list(&a[1])?;
    // The elements first (in order, as they are appended), then the
    // result in one allocation of its exact size.
    let mut parts = Vec::with_capacity(l.len());
    let mut len = sep.as_str().len() * l.len().saturating_sub(1);
    for x in l.iter() {
        let s = ev.coerce_to_string_rc(x, false, true)?;
        len += s.as_str().len();
        parts.push(s);
    }
    let mut out = NixString::with_capacity(len);
    for (i, s) in parts.iter().enumerate() {
        if i > 0 {
            out.push_nix(&sep);
        }
        out.push_nix(s);
    }
    Ok(Value::nix_string(out))
}

pub(super) fn replace_strings(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let from = ev.expect_list(&a[0])?;
    let to = ev.expect_list(&a[1])?;
    if from.len() != to.len() {
        return Err(other(
            "'from' and 'to' arguments to 'replaceStrings' have different lengths",
        ));
    }
    let s = ev.coerce_to_string_rc(&a[2], false, true)?;
    let mut pat_strings = Vec::with_capacity(from.len());
    for f in from.iter() {
        pat_strings.push(ev.coerce_to_string_rc(f, false, true)?);
    }
    // A replacement is coerced when first used (as in Nix: an unused one
    // that fails to coerce is no error).
    let mut replacements: Vec<Option<Rc<NixString>>> = vec![None; to.len()];
    let mut out = NixString::with_capacity(s.as_str().len());
    out.merge_context_from(&s);
    let text = s.as_str();
    let bytes = text.as_bytes();
    let pats: Vec<&[u8]> = pat_strings.iter().map(|p| p.as_str().as_bytes()).collect();
    if pats.iter().all(|p| !p.is_empty()) {
        // Without an empty pattern only a byte that starts some pattern
        // can start a match, and (patterns and text being UTF-8) every
        // match starts and ends on a character boundary.
        let mut starts = [false; 256];
        for pat in &pats {
            starts[usize::from(pat[0])] = true;
        }
        let mut p = 0;
        let mut plain_start = 0;
        while let Some(off) = bytes[p..].iter().position(|b| starts[usize::from(*b)]) {
            p += off;
            let rest = &bytes[p..];
            match pats.iter().position(|pat| rest.starts_with(pat)) {
                Some(i) => {
                    out.push_str(&text[plain_start..p]);
                    out.push_nix(replacement(ev, &mut replacements, &to, i)?);
                    p += pats[i].len();
                    plain_start = p;
                }
                None => p += 1,
            }
        }
        out.push_str(&text[plain_start..]);
        return Ok(Value::nix_string(out));
    }
    // An empty pattern matches between any two characters (and at both
    // ends): step a character at a time.
    let mut p = 0;
    let mut plain_start = 0;
    while p <= bytes.len() {
        let mut found = false;
        for (i, &pat_bytes) in pats.iter().enumerate() {
            if bytes[p..].starts_with(pat_bytes) {
                found = true;
                out.push_str(&text[plain_start..p]);
                out.push_nix(replacement(ev, &mut replacements, &to, i)?);
                if pat_bytes.is_empty() {
                    // Keep the next character whole.
                    let step = text[p..].chars().next().map_or(1, char::len_utf8);
                    plain_start = p;
                    p += step;
                    if p <= bytes.len() {
                        out.push_str(&text[plain_start..p]);
                    }
                    plain_start = p;
                } else {
                    p += pat_bytes.len();
                    plain_start = p;
                }
                break;
            }
        }
        if !found {
            p += text
                .get(p..)
                .and_then(|t| t.chars().next())
                .map_or(1, char::len_utf8);
        }
    }
    if plain_start < bytes.len() {
        out.push_str(&text[plain_start..]);
    }
    Ok(Value::nix_string(out))
}

/// The `i`th replacement of `replaceStrings`, coerced on first use.
fn replacement<'r>(
    ev: &mut Evaluator,
    replacements: &'r mut [Option<Rc<NixString>>],
    to: &[Value],
    i: usize,
) -> EvalResult<&'r NixString> {
    if replacements[i].is_none() {
        replacements[i] = Some(ev.coerce_to_string_rc(&to[i], false, true)?);
    }
    Ok(replacements[i]
        .as_deref()
        .unwrap_or_else(|| unreachable!("set above")))
}

pub(super) fn base_name_of(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let s = ev.coerce_to_string_rc(&a[0], false, false)?;
    let t = s.as_str();
    let t = t.strip_suffix('/').unwrap_or(t);
    let base = match t.rfind('/') {
        Some(i) => &t[i + 1..],
        None => t,
    };
    let mut out = NixString::new(base);
    out.merge_context_from(&s);
    Ok(Value::nix_string(out))
}

pub(super) fn dir_of(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let v = ev.force(&a[0])?;
    let s = ev.coerce_to_string_rc(&v, false, false)?;
    let t = s.as_str();
    let dir = match t.rfind('/') {
        Some(0) => "/",
        Some(i) => &t[..i],
        None => ".",
    };
    if let Value::Path(_) = v {
        return Ok(Value::Path(Rc::new(dir.to_string())));
    }
    let mut out = NixString::new(dir);
    out.merge_context_from(&s);
    Ok(Value::nix_string(out))
}

/// A POSIX extended regular expression with leftmost-longest matching, as
/// Nix has it: `find` locates the leftmost start, `longest` (all-matches
/// semantics, anchored at that start) the longest end, and `exact` (the
/// pattern anchored at both ends) the groups of that span.
pub(crate) struct PosixRegex {
    find: Regex,
    longest: regex_automata::meta::Regex,
    exact: Regex,
}

impl PosixRegex {
    fn compile(re: &str) -> Option<PosixRegex> {
        // In POSIX regular expressions `.` also matches a newline.
        let re = &format!("(?s){re}");
        let find = Regex::new(re).ok()?;
        let longest = regex_automata::meta::Regex::builder()
            .configure(
                regex_automata::meta::Regex::config().match_kind(regex_automata::MatchKind::All),
            )
            .build(re)
            .ok()?;
        let exact = Regex::new(&format!("^(?:{re})$")).ok()?;
        Some(PosixRegex {
            find,
            longest,
            exact,
        })
    }

    /// The groups of a match of the whole of `s`.
    fn full_match(&self, s: &str) -> Option<Vec<Value>> {
        self.exact.captures(s).map(|c| captures_list(&c))
    }

    /// The leftmost-longest match at or after `from`: its span and groups.
    fn next_match(&self, s: &str, from: usize) -> Option<(usize, usize, Vec<Value>)> {
        let start = self.find.find_at(s, from)?.start();
        let input = regex_automata::Input::new(s)
            .range(start..)
            .anchored(regex_automata::Anchored::Yes);
        let end = self.longest.find(input).map_or(start, |m| m.end());
        let groups = match self.exact.captures(&s[start..end]) {
            Some(c) => captures_list(&c),
            None => self
                .find
                .captures_at(s, start)
                .map(|c| captures_list(&c))
                .unwrap_or_default(),
        };
        Some((start, end, groups))
    }
}

/// Compiles (and caches) a regular expression.
fn compile_regex(ev: &mut Evaluator, re: &str) -> EvalResult<Rc<PosixRegex>> {
    if let Some(r) = ev.regex_cache.get(re) {
        return Ok(r.clone());
    }
    let compiled = Rc::new(
        PosixRegex::compile(re)
            .ok_or_else(|| other(format!("invalid regular expression '{re}'")))?,
    );
    ev.regex_cache.insert(re.to_string(), compiled.clone());
    Ok(compiled)
}

fn captures_list(caps: &regex::Captures<'_>) -> Vec<Value> {
    caps.iter()
        .skip(1)
        .map(|m| m.map_or(Value::Null, |m| Value::string(m.as_str())))
        .collect()
}

pub(super) fn regex_match(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let re = ev.expect_string(&a[0])?;
    let s = ev.expect_string(&a[1])?;
    let r = compile_regex(ev, re.as_str())?;
    Ok(match r.full_match(s.as_str()) {
        Some(groups) => Value::list(groups),
        None => Value::Null,
    })
}

pub(super) fn split(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let re = ev.expect_string(&a[0])?;
    let s = ev.expect_string(&a[1])?;
    let r = compile_regex(ev, re.as_str())?;
    let text = s.as_str();
    let mut out = Vec::new();
    let mut last = 0;
    let mut pos = 0;
    while pos <= text.len() {
        let Some((start, end, groups)) = r.next_match(text, pos) else {
            break;
        };
        out.push(Value::string(&text[last..start]));
        out.push(Value::list(groups));
        last = end;
        pos = if end > start {
            end
        } else {
            // An empty match: step over one character.
            end + text[end..].chars().next().map_or(1, char::len_utf8)
        };
    }
    out.push(Value::string(text.get(last..).unwrap_or("")));
    Ok(Value::list(out))
}

/// The next version component, skipping separators.
fn next_component(s: &[u8], p: &mut usize) -> String {
    while *p < s.len() && (s[*p] == b'.' || s[*p] == b'-') {
        *p += 1;
    }
    let start = *p;
    if *p < s.len() && s[*p].is_ascii_digit() {
        while *p < s.len() && s[*p].is_ascii_digit() {
            *p += 1;
        }
    } else {
        while *p < s.len() && !s[*p].is_ascii_digit() && s[*p] != b'.' && s[*p] != b'-' {
            *p += 1;
        }
    }
    String::from_utf8_lossy(&s[start..*p]).into_owned()
}

fn component_less(c1: &str, c2: &str) -> bool {
    let n1 = c1.parse::<u64>().ok().filter(|_| !c1.is_empty());
    let n2 = c2.parse::<u64>().ok().filter(|_| !c2.is_empty());
    match (n1, n2) {
        (Some(a), Some(b)) => a < b,
        _ if c1.is_empty() && n2.is_some() => true,
        _ if c1 == "pre" && c2 != "pre" => true,
        _ if c2 == "pre" => false,
        (_, Some(_)) => true,
        (Some(_), _) => false,
        _ => c1 < c2,
    }
}

/// Nix's `compareVersions`.
pub(crate) fn compare_version_strings(v1: &str, v2: &str) -> std::cmp::Ordering {
    let (s1, s2) = (v1.as_bytes(), v2.as_bytes());
    let (mut p1, mut p2) = (0, 0);
    while p1 < s1.len() || p2 < s2.len() {
        let c1 = next_component(s1, &mut p1);
        let c2 = next_component(s2, &mut p2);
        if component_less(&c1, &c2) {
            return std::cmp::Ordering::Less;
        }
        if component_less(&c2, &c1) {
            return std::cmp::Ordering::Greater;
        }
    }
    std::cmp::Ordering::Equal
}

pub(super) fn compare_versions(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let v1 = ev.expect_string(&a[0])?;
    let v2 = ev.expect_string(&a[1])?;
    Ok(Value::Int(
        match compare_version_strings(v1.as_str(), v2.as_str()) {
            std::cmp::Ordering::Less => -1,
            std::cmp::Ordering::Equal => 0,
            std::cmp::Ordering::Greater => 1,
        },
    ))
}

pub(super) fn split_version(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let v = ev.expect_string(&a[0])?;
    let s = v.as_str().as_bytes();
    let mut p = 0;
    let mut out = Vec::new();
    while p < s.len() {
        let c = next_component(s, &mut p);
        if c.is_empty() {
            break;
        }
        out.push(Value::string(c));
    }
    Ok(Value::list(out))
}

pub(super) fn parse_drv_name(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let s = ev.coerce_to_string_rc(&a[0], false, true)?;
    let t = s.as_str();
    let b = t.as_bytes();
    let mut name = t;
    let mut version = "";
    for i in 0..b.len() {
        if b[i] == b'-' && i + 1 < b.len() && !b[i + 1].is_ascii_alphabetic() {
            name = &t[..i];
            version = &t[i + 1..];
            break;
        }
    }
    Ok(Value::attrs(Attrs::from_sorted(vec![
        ("name".into(), Value::string(name)),
        ("version".into(), Value::string(version)),
    ])))
}

fn hash_algo(name: &str) -> EvalResult<cairn_hash::HashAlgo> {
    match name {
        "md5" | "sha1" | "sha256" | "sha512" => cairn_hash::HashAlgo::from_name(name)
            .ok_or_else(|| other(format!("unknown hash algorithm '{name}'"))),
        _ => Err(other(format!("unknown hash algorithm '{name}'"))),
    }
}

pub(super) fn hash_string(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let algo = ev.expect_string(&a[0])?;
    let algo = hash_algo(algo.as_str())?;
    let s = ev.coerce_to_string_rc(&a[1], false, true)?;
    Ok(Value::string(
        cairn_hash::Hash::digest(algo, s.as_str().as_bytes()).to_base16(),
    ))
}

pub(super) fn hash_file(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let algo = ev.expect_string(&a[0])?;
    let algo = hash_algo(algo.as_str())?;
    let p = super::real_path(ev, &a[1])?;
    let bytes = ev
        .io
        .read_file(&p)
        .map_err(|e| super::io_error(&p, "opening file", &e))?;
    Ok(Value::string(
        cairn_hash::Hash::digest(algo, &bytes).to_base16(),
    ))
}

/// `builtins.convertHash { hash; hashAlgo ? ; toHashFormat; }` (newer than
/// Nix 2.8).
pub(super) fn convert_hash(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let args = ev.expect_attrs(&a[0])?;
    let get = |name: &str| args.get(name).cloned();
    let hash =
        get("hash").ok_or_else(|| other("attribute 'hash' missing for call to 'convertHash'"))?;
    let hash = ev.expect_string(&hash)?;
    let algo = match get("hashAlgo") {
        Some(v) => Some(hash_algo(ev.expect_string(&v)?.as_str())?),
        None => None,
    };
    let format = get("toHashFormat")
        .ok_or_else(|| other("attribute 'toHashFormat' missing for call to 'convertHash'"))?;
    let format = ev.expect_string(&format)?;
    let parsed =
        cairn_hash::Hash::parse_any(hash.as_str(), algo).map_err(|e| other(e.to_string()))?;
    let out = match cairn_hash::Encoding::from_name(format.as_str()) {
        Some(cairn_hash::Encoding::Sri) => parsed.to_sri(),
        Some(enc) => parsed.encode(enc, false),
        None => {
            return Err(other(format!(
                "unknown hash format '{}', expect 'base16', 'base32', 'base64', or 'sri'",
                format.as_str()
            )));
        }
    };
    Ok(Value::string(out))
}

pub(super) fn placeholder(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let out = ev.expect_string(&a[0])?;
    let h = cairn_hash::Hash::digest(
        cairn_hash::HashAlgo::Sha256,
        format!("nix-output:{}", out.as_str()).as_bytes(),
    );
    Ok(Value::string(format!("/{}", h.to_nix32())))
}

pub(super) fn has_context(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let s = ev.expect_string(&a[0])?;
    Ok(Value::Bool(s.has_context()))
}

pub(super) fn discard_context(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let s = ev.coerce_to_string_rc(&a[0], false, true)?;
    Ok(Value::string(s.as_str()))
}

pub(super) fn discard_output_dependency(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let s = ev.coerce_to_string(&a[0], false, true)?;
    let (text, ctx) = s.into_parts();
    let ctx: Context = ctx
        .into_iter()
        .map(|c| c.strip_prefix('=').map_or(c.clone(), Rc::from))
        .collect();
    Ok(Value::nix_string(NixString::with_context(text, ctx)))
}

pub(super) fn get_context(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let s = ev.coerce_to_string_rc(&a[0], false, true)?;
    let mut map: std::collections::BTreeMap<String, (bool, bool, Vec<String>)> =
        std::collections::BTreeMap::new();
    for c in s.context() {
        if let Some(p) = c.strip_prefix('=') {
            map.entry(p.to_string()).or_default().1 = true;
        } else if let Some(rest) = c.strip_prefix('!') {
            if let Some((out, p)) = rest.split_once('!') {
                map.entry(p.to_string())
                    .or_default()
                    .2
                    .push(out.to_string());
            }
        } else {
            map.entry(c.to_string()).or_default().0 = true;
        }
    }
    let entries = map
        .into_iter()
        .map(|(p, (path, all, outs))| {
            let mut info = Vec::new();
            if all {
                info.push(("allOutputs".into(), Value::Bool(true)));
            }
            if !outs.is_empty() {
                info.push((
                    "outputs".into(),
                    Value::list(outs.into_iter().map(Value::string).collect()),
                ));
            }
            if path {
                info.push(("path".into(), Value::Bool(true)));
            }
            (p.into(), Value::attrs(Attrs::from_sorted(info)))
        })
        .collect();
    Ok(Value::attrs(Attrs::from_sorted(entries)))
}

pub(super) fn append_context(ev: &mut Evaluator, a: &[Value]) -> EvalResult<Value> {
    let s = ev.expect_string(&a[0])?;
    let ctx = ev.expect_attrs(&a[1])?;
    let mut out = NixString::clone(&s);
    let mut add: Vec<Rc<str>> = Vec::new();
    for (path, info) in ctx.iter() {
        let info = ev.expect_attrs(info)?;
        if let Some(p) = info.get("path")
            && ev.expect_bool(p)?
        {
            add.push(Rc::from(path.as_str()));
        }
        if let Some(p) = info.get("allOutputs")
            && ev.expect_bool(p)?
        {
            add.push(format!("={path}").into());
        }
        if let Some(o) = info.get("outputs") {
            let outs = ev.expect_list(o)?;
            for o in outs.iter() {
                let o = ev.expect_string(o)?;
                add.push(format!("!{}!{path}", o.as_str()).into());
            }
        }
    }
    out.extend_context(add.iter());
    Ok(Value::nix_string(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering::*;

    #[test]
    fn versions() {
        assert_eq!(compare_version_strings("1.0", "2.3"), Less);
        assert_eq!(compare_version_strings("2.1", "2.3"), Less);
        assert_eq!(compare_version_strings("2.3", "2.3"), Equal);
        assert_eq!(compare_version_strings("2.5", "2.3"), Greater);
        assert_eq!(compare_version_strings("3.1", "2.3"), Greater);
        assert_eq!(compare_version_strings("2.3.1", "2.3"), Greater);
        assert_eq!(compare_version_strings("2.3.1", "2.3a"), Greater);
        assert_eq!(compare_version_strings("2.3pre1", "2.3"), Less);
        assert_eq!(compare_version_strings("2.3pre3", "2.3pre12"), Less);
        assert_eq!(compare_version_strings("2.3a", "2.3c"), Less);
        assert_eq!(compare_version_strings("2.3pre1", "2.3c"), Less);
        assert_eq!(compare_version_strings("2.3pre1", "2.3q"), Less);
    }
}
