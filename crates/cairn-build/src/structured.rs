//! Structured attributes (`__structuredAttrs = true`): `.attrs.json` and
//! `.attrs.sh`.
//!
//! The derivation's `__json` variable holds its attributes as JSON. The
//! builder gets them back with an `outputs` object (output name → path)
//! added, written with keys sorted at every level and no spaces, as
//! nlohmann::json prints them in Nix 2.8. `.attrs.sh` declares, for every
//! top-level attribute whose name is a shell variable name, a shell
//! variable: scalars as `declare NAME=VALUE`, lists of scalars as
//! `declare -a`, objects of scalars as `declare -A`. Strings are
//! single-quoted, booleans are `1` or empty, `null` is `''`, numbers are
//! printed as integers when they are whole and omitted otherwise (as are
//! nested lists and objects), exactly as Nix 2.8 does.

use std::collections::BTreeMap;

use cairn_store_path::{StoreDir, StorePath};
use serde_json::{Map, Value};

use crate::error::BuildError;

/// The attributes of `__json` with `outputs` set, keys sorted.
pub(crate) fn prepare(
    json: &[u8],
    outputs: &BTreeMap<String, StorePath>,
    store_dir: &StoreDir,
    drv_path: &StorePath,
) -> Result<Value, BuildError> {
    let invalid = |reason: String| BuildError::InvalidAttribute {
        drv: store_dir.display(drv_path),
        attribute: "__json".to_owned(),
        reason,
    };
    let mut attrs: Value =
        serde_json::from_slice(json).map_err(|err| invalid(format!("it is not JSON: {err}")))?;
    let Value::Object(map) = &mut attrs else {
        return Err(invalid("it is not a JSON object".to_owned()));
    };
    if map.contains_key("exportReferencesGraph") {
        return Err(BuildError::Unsupported {
            drv: store_dir.display(drv_path),
            feature: "exportReferencesGraph with __structuredAttrs".to_owned(),
        });
    }
    let outputs: Map<String, Value> = outputs
        .iter()
        .map(|(name, path)| (name.clone(), Value::String(store_dir.display(path))))
        .collect();
    map.insert("outputs".to_owned(), Value::Object(outputs));
    Ok(sorted(attrs))
}

/// `value` with the keys of every object sorted bytewise.
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// Single-quotes `text` for a POSIX shell.
fn shell_escape(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// A scalar as `.attrs.sh` writes it, `None` for anything else.
fn simple(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(shell_escape(text)),
        Value::Number(number) => {
            if let Some(int) = number.as_i64() {
                Some(int.to_string())
            } else if let Some(uint) = number.as_u64() {
                Some(uint.to_string())
            } else {
                let float = number.as_f64()?;
                #[expect(
                    clippy::cast_possible_truncation,
                    reason = "Nix 2.8 prints whole floats through an int"
                )]
                (float.ceil() == float).then(|| (float as i64).to_string())
            }
        }
        Value::Null => Some("''".to_owned()),
        Value::Bool(true) => Some("1".to_owned()),
        Value::Bool(false) => Some(String::new()),
        Value::Array(_) | Value::Object(_) => None,
    }
}

fn is_shell_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The `.attrs.sh` text for prepared attributes.
pub(crate) fn to_shell(attrs: &Value) -> String {
    let mut out = String::new();
    let Value::Object(map) = attrs else {
        return out;
    };
    for (key, value) in map {
        if !is_shell_name(key) {
            continue;
        }
        if let Some(scalar) = simple(value) {
            out.push_str(&format!("declare {key}={scalar}\n"));
        } else if let Value::Array(items) = value {
            let words: Option<Vec<String>> = items.iter().map(simple).collect();
            if let Some(words) = words {
                let joined: String = words.iter().map(|w| format!("{w} ")).collect();
                out.push_str(&format!("declare -a {key}=({joined})\n"));
            }
        } else if let Value::Object(fields) = value {
            let words: Option<Vec<String>> = fields
                .iter()
                .map(|(k, v)| simple(v).map(|v| format!("[{}]={v} ", shell_escape(k))))
                .collect();
            if let Some(words) = words {
                out.push_str(&format!("declare -A {key}=({})\n", words.concat()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The structured derivation probed on the Nix 2.8 peer: `.attrs.json`
    /// and `.attrs.sh` as its builder saw them.
    #[test]
    fn matches_nix_2_8() {
        let json = br#"{"bad-name":1,"bool":true,"builder":"/bin/sh","fls":false,"flt":1.5,"lst":["a",1,true],"lstnested":[[1]],"name":"structprobe","nested":{"a":"x","b":2,"c":[1],"d":{"e":1}},"nul":null,"num":3,"outputs":["out","dev"],"str":"it's \"q\" $x\n","system":"x86_64-linux"}"#;
        let store_dir = StoreDir::default();
        let outputs = BTreeMap::from([
            (
                "out".to_owned(),
                StorePath::from_base_name("6mn75sc7nszx2xfglswixywyk9hsysd2-structprobe").unwrap(),
            ),
            (
                "dev".to_owned(),
                StorePath::from_base_name("l1wn2zpqj2ldxyqqwfgfpl12bg7gmnvl-structprobe-dev")
                    .unwrap(),
            ),
        ]);
        let drv =
            StorePath::from_base_name("jah869lsdqp87fh0ka31zigcj8xkvn3j-structprobe.drv").unwrap();
        let attrs = prepare(json, &outputs, &store_dir, &drv).unwrap();
        assert_eq!(
            attrs.to_string(),
            r#"{"bad-name":1,"bool":true,"builder":"/bin/sh","fls":false,"flt":1.5,"lst":["a",1,true],"lstnested":[[1]],"name":"structprobe","nested":{"a":"x","b":2,"c":[1],"d":{"e":1}},"nul":null,"num":3,"outputs":{"dev":"/nix/store/l1wn2zpqj2ldxyqqwfgfpl12bg7gmnvl-structprobe-dev","out":"/nix/store/6mn75sc7nszx2xfglswixywyk9hsysd2-structprobe"},"str":"it's \"q\" $x\n","system":"x86_64-linux"}"#
        );
        assert_eq!(
            to_shell(&attrs),
            "declare bool=1\n\
             declare builder='/bin/sh'\n\
             declare fls=\n\
             declare -a lst=('a' 1 1 )\n\
             declare name='structprobe'\n\
             declare nul=''\n\
             declare num=3\n\
             declare -A outputs=(['dev']='/nix/store/l1wn2zpqj2ldxyqqwfgfpl12bg7gmnvl-structprobe-dev' ['out']='/nix/store/6mn75sc7nszx2xfglswixywyk9hsysd2-structprobe' )\n\
             declare str='it'\\''s \"q\" $x\n'\n\
             declare system='x86_64-linux'\n"
        );
    }
}
