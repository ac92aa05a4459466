//! The seams other crates plug into: an in-memory [`EvalIo`], an extra
//! builtin replacing a placeholder, and the trace handler.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io;
use std::rc::Rc;

use cairn_eval::{
    Builtin, EvalError, EvalIo, EvalOptions, EvalResult, Evaluator, FileType, NixString, Value,
};

/// Files in memory; copying to the store returns a fake store path.
#[derive(Default)]
struct MemoryIo {
    files: BTreeMap<String, String>,
}

impl EvalIo for MemoryIo {
    fn path_exists(&self, path: &str) -> io::Result<bool> {
        Ok(self.files.contains_key(path)
            || self
                .files
                .keys()
                .any(|k| k.starts_with(&format!("{path}/"))))
    }

    fn read_file(&self, path: &str) -> io::Result<Vec<u8>> {
        self.files
            .get(path)
            .map(|s| s.as_bytes().to_vec())
            .ok_or_else(|| io::ErrorKind::NotFound.into())
    }

    fn read_dir(&self, path: &str) -> io::Result<Vec<(String, FileType)>> {
        let prefix = format!("{path}/");
        let entries: Vec<_> = self
            .files
            .keys()
            .filter_map(|k| k.strip_prefix(&prefix))
            .map(|rest| match rest.split_once('/') {
                Some((dir, _)) => (dir.to_string(), FileType::Directory),
                None => (rest.to_string(), FileType::Regular),
            })
            .collect();
        if entries.is_empty() {
            Err(io::ErrorKind::NotFound.into())
        } else {
            Ok(entries)
        }
    }

    fn file_type(&self, path: &str) -> io::Result<FileType> {
        if self.files.contains_key(path) {
            Ok(FileType::Regular)
        } else {
            Ok(FileType::Directory)
        }
    }

    fn copy_path_to_store(&self, path: &str) -> EvalResult<String> {
        let name = path.rsplit('/').next().unwrap_or("x");
        Ok(format!(
            "/nix/store/00000000000000000000000000000000-{name}"
        ))
    }
}

fn fake_derivation_strict(ev: &mut Evaluator, args: &[Value]) -> EvalResult<Value> {
    let attrs = ev.expect_attrs(&args[0])?;
    let name = ev.expect_string(attrs.get("name").unwrap_or(&Value::Null))?;
    let out = format!(
        "/nix/store/11111111111111111111111111111111-{}",
        name.as_str()
    );
    let ctx = [Rc::<str>::from(out.as_str())].into_iter().collect();
    Ok(Value::attrs(cairn_eval::Attrs::from_unsorted(vec![(
        "out".into(),
        Value::nix_string(NixString::with_context(out, ctx)),
    )])))
}

static DERIVATION_STRICT: Builtin = Builtin::new("derivationStrict", 1, fake_derivation_strict);

fn evaluator() -> Evaluator {
    let mut io = MemoryIo::default();
    io.files.insert(
        "/src/default.nix".into(),
        "{ x = import ./lib.nix; p = \"${./data}\"; }".into(),
    );
    io.files
        .insert("/src/lib.nix".into(), "builtins.readFile ./data".into());
    io.files.insert("/src/data".into(), "hello".into());
    let options = EvalOptions {
        extra_builtins: vec![&DERIVATION_STRICT],
        ..EvalOptions::default()
    };
    Evaluator::new(Rc::new(io), options)
}

#[test]
fn files_come_from_eval_io() -> Result<(), EvalError> {
    let mut ev = evaluator();
    let v = ev.eval_file("/src")?;
    assert_eq!(
        ev.print_strict(&v)?,
        "{ p = \"/nix/store/00000000000000000000000000000000-data\"; x = \"hello\"; }"
    );
    Ok(())
}

#[test]
fn extra_builtins_replace_placeholders() -> Result<(), EvalError> {
    let mut ev = evaluator();
    let v = ev.eval_source(
        "«string»",
        "let d = builtins.derivationStrict { name = \"hi\"; }; in [ d.out (builtins.hasContext d.out) ]",
        "/",
    )?;
    assert_eq!(
        ev.print_strict(&v)?,
        "[ \"/nix/store/11111111111111111111111111111111-hi\" true ]"
    );
    let err = ev
        .eval_source("«string»", "builtins.toFile \"a\" \"b\"", "/")
        .unwrap_err();
    assert_eq!(
        err.kind.to_string(),
        "cairn does not implement builtins.toFile yet"
    );
    Ok(())
}

#[test]
fn trace_goes_to_the_handler() -> Result<(), EvalError> {
    let mut ev = evaluator();
    let seen = Rc::new(RefCell::new(Vec::new()));
    let s = seen.clone();
    ev.set_trace_handler(move |m| s.borrow_mut().push(m.to_string()));
    let v = ev.eval_source(
        "«string»",
        "builtins.trace { a = 1; b = 1 + 1; } (builtins.trace \"msg\" 2)",
        "/",
    )?;
    assert_eq!(ev.print_strict(&v)?, "2");
    assert_eq!(*seen.borrow(), ["{ a = 1; b = <CODE>; }", "msg"]);
    Ok(())
}

#[test]
fn newer_builtins() -> Result<(), EvalError> {
    let mut ev = evaluator();
    let seen = Rc::new(RefCell::new(Vec::new()));
    let s = seen.clone();
    ev.set_warning_handler(move |m| s.borrow_mut().push(m.to_string()));
    let src = r#"[
      (builtins.warn "careful" 1)
      (builtins.readFileType /src/data)
      (builtins.convertHash { hash = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="; toHashFormat = "base16"; })
      (builtins.convertHash { hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"; hashAlgo = "sha256"; toHashFormat = "sri"; })
    ]"#;
    let v = ev.eval_source("«string»", src, "/")?;
    assert_eq!(
        ev.print_strict(&v)?,
        "[ 1 \"regular\" \"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\" \
         \"sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\" ]"
    );
    assert_eq!(*seen.borrow(), ["careful"]);
    Ok(())
}

#[test]
fn output_formats_for_the_cli() -> Result<(), EvalError> {
    let mut ev = evaluator();
    let v = ev.eval_source(
        "«string»",
        "{ a = 1 + 1; b = [ 0.1 3 ]; c = \"x\"; d = { e = 1; }; }",
        "/",
    )?;
    assert_eq!(
        ev.print_lazy(&v)?,
        "{ a = <CODE>; b = <CODE>; c = \"x\"; d = <CODE>; }"
    );
    assert_eq!(
        ev.print_json(&v)?,
        r#"{"a":2,"b":[0.1,3],"c":"x","d":{"e":1}}"#
    );
    assert_eq!(
        ev.print_xml(&v, true, false)?
            .lines()
            .nth(3)
            .unwrap_or_default(),
        "    <attr name=\"a\">"
    );
    Ok(())
}
