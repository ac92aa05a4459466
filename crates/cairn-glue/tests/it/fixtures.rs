//! cairn's derivations against Nix 2.8's, fixture by fixture
//! (`tests/fixtures`, regenerated from the peer by its `generate.sh`).
//!
//! Each `NAME.nix` is instantiated read-only, as `nix-instantiate --eval`
//! would compute it: the lines `nix-instantiate` would print (the `.drv`
//! path, `!OUTPUT` for other outputs) and each output's path must equal
//! `NAME.exp`, and every derivation made on the way must be byte for byte
//! the `.drv` Nix wrote (`drvs/`). Each `errors/NAME.nix` must fail with the
//! first line of Nix's message (`errors/NAME.err`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use cairn_eval::{EvalOptions, Evaluator};
use cairn_glue::{GlueIo, Mode};
use cairn_store_path::StoreDir;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn new_evaluator() -> (Evaluator, Rc<GlueIo>) {
    let io = Rc::new(GlueIo::new(StoreDir::default(), None, Mode::ReadOnly));
    let ev = cairn_glue::evaluator(EvalOptions::default(), Rc::clone(&io));
    (ev, io)
}

fn nix_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("fixtures dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "nix"))
        .filter(|p| p.file_name().is_some_and(|n| n != "common.nix"))
        .collect();
    v.sort();
    v
}

/// What cairn computes for a fixture: the `.exp` text, and every `.drv`.
fn instantiate(file: &Path) -> Result<(String, BTreeMap<String, Vec<u8>>), String> {
    let (mut ev, io) = new_evaluator();
    let v = ev
        .eval_file(file.to_str().expect("utf-8"))
        .map_err(|e| e.to_string())?;
    let found = cairn_glue::find_derivations(&mut ev, &v, &[]).map_err(|e| e.to_string())?;
    let store_dir = StoreDir::default();
    let drvs: BTreeMap<String, cairn_derivation::Derivation> = io
        .derivations()
        .into_iter()
        .map(|(p, d)| (store_dir.display(&p), d))
        .collect();
    let mut exp = String::new();
    for d in &found {
        let drv = drvs
            .get(&d.drv_path)
            .ok_or_else(|| format!("{} was not made in this evaluation", d.drv_path))?;
        let out = drv
            .env_var(&d.output_name)
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default();
        exp.push_str(&format!("{} {out}\n", d.instantiate_line()));
    }
    let bytes = drvs
        .iter()
        .map(|(p, d)| {
            let base = p.rsplit('/').next().unwrap_or(p).to_string();
            (base, d.to_aterm(&store_dir))
        })
        .collect();
    Ok((exp, bytes))
}

#[test]
fn derivations_match_nix() {
    let dir = fixtures();
    let files = nix_files(&dir);
    assert!(files.len() >= 40, "only {} fixtures", files.len());
    let mut failures = Vec::new();
    for file in &files {
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        let expected = std::fs::read_to_string(dir.join(format!("{name}.exp")))
            .unwrap_or_else(|_| panic!("{name}.exp missing: run generate.sh"));
        match instantiate(file) {
            Err(e) => failures.push(format!("{name}: {e}")),
            Ok((exp, drvs)) => {
                if exp != expected {
                    failures.push(format!("{name}: got\n{exp}expected\n{expected}"));
                }
                for (base, bytes) in drvs {
                    match std::fs::read(dir.join("drvs").join(&base)) {
                        Ok(want) if want == bytes => {}
                        Ok(want) => failures.push(format!(
                            "{name}: {base} differs:\n  cairn: {}\n  nix:   {}",
                            String::from_utf8_lossy(&bytes),
                            String::from_utf8_lossy(&want)
                        )),
                        Err(_) => failures.push(format!(
                            "{name}: cairn made {base}, which Nix did not: {}",
                            String::from_utf8_lossy(&bytes)
                        )),
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures differ:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

#[test]
fn errors_match_nix() {
    let dir = fixtures().join("errors");
    let files = nix_files(&dir);
    assert!(files.len() >= 15, "only {} error fixtures", files.len());
    let mut failures = Vec::new();
    for file in &files {
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        let err_text = std::fs::read_to_string(dir.join(format!("{name}.err")))
            .unwrap_or_else(|_| panic!("errors/{name}.err missing: run generate.sh"));
        let want = err_text
            .lines()
            .find(|l| l.starts_with("error:"))
            .unwrap_or("")
            .to_string();
        match instantiate(file) {
            Ok((exp, _)) => failures.push(format!("{name}: no error, got {exp}")),
            Err(e) => {
                let here = fixtures().to_string_lossy().into_owned();
                let got = e.lines().next().unwrap_or("").replace(&here, "/FIXTURES");
                if got != want {
                    failures.push(format!("{name}:\n  cairn: {got}\n  nix:   {want}"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} error fixtures differ:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

/// Error fixtures whose `--eval` report differs from Nix 2.8's, and why.
const EVAL_ERROR_DIFFERENCES: &[(&str, &str)] = &[
    (
        "empty-outputs",
        "Nix has no source text for //builtin/derivation.nix and prints no snippet",
    ),
    (
        "name-with-context",
        "Nix has no source text for //builtin/derivation.nix and prints no snippet",
    ),
    (
        "missing-name",
        "Nix points at the argument set, whose position cairn's values do not keep",
    ),
    (
        "structured-function",
        "Nix points at the function value, cairn at its attribute",
    ),
];

#[test]
fn eval_errors_match_nix_with_positions() {
    let dir = fixtures().join("errors");
    let here = fixtures().to_string_lossy().into_owned();
    let mut failures = Vec::new();
    let mut compared = 0;
    for file in nix_files(&dir) {
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        let want = std::fs::read_to_string(dir.join(format!("{name}.eval-err")))
            .unwrap_or_else(|_| panic!("errors/{name}.eval-err missing: run generate.sh"));
        let (mut ev, _io) = new_evaluator();
        let got = match ev
            .eval_file(file.to_str().unwrap())
            .and_then(|v| ev.print_strict(&v))
        {
            Ok(v) => format!("no error: {v}"),
            Err(e) => e.render(false).replace(&here, "/FIXTURES"),
        };
        let same = got.trim_end() == want.trim_end();
        match (same, EVAL_ERROR_DIFFERENCES.iter().any(|(n, _)| *n == name)) {
            (true, true) => failures.push(format!("{name} matches now: remove it from the list")),
            (false, false) => failures.push(format!("{name}:\n--- cairn\n{got}\n--- nix\n{want}")),
            _ => compared += 1,
        }
    }
    assert!(compared >= 20, "only {compared} compared");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
