//! Parse errors: where they point and what they say.

use cairn_derivation::{Derivation, DerivationTypeError, ParseErrorKind};
use cairn_store_path::StoreDir;

const OUT: &str = "/nix/store/hfdds41qfdq0mvwhmxfkk71f5llkgx8n-a";

fn parse(text: &str) -> Result<Derivation, cairn_derivation::ParseError> {
    Derivation::from_aterm(&StoreDir::default(), text.as_bytes())
}

fn simple(env: &str) -> String {
    format!(r#"Derive([("out","{OUT}","","")],[],[],"x","/bin/sh",[],[{env}])"#)
}

#[test]
fn accepts_what_nix_accepts() {
    // Unknown escapes stand for the byte itself, as in Nix.
    let drv = parse(&simple(r#"("a","\b\q\n")"#)).unwrap();
    assert_eq!(drv.env_var("a").unwrap(), "bq\n");
    // Unsorted entries are fine (and come out sorted).
    let drv = parse(&simple(r#"("b","1"),("a","2")"#)).unwrap();
    assert_eq!(
        drv.to_aterm(&StoreDir::default()),
        simple(r#"("a","2"),("b","1")"#).as_bytes()
    );
}

#[test]
fn errors_say_where_and_what() {
    let e = parse("Derive[").unwrap_err();
    assert_eq!(e.offset(), 0);
    assert_eq!(
        e.to_string(),
        r#"expected 'Derive(', found "Derive[" at byte 0 (line 1, column 1)"#
    );

    // Nix rejects whitespace too.
    let text = simple(r#"("a","b")"#).replace(",[(", ", [(");
    let e = parse(&text).unwrap_err();
    assert_eq!(e.offset(), text.find(" [(").unwrap());
    assert!(matches!(
        e.kind(),
        ParseErrorKind::Expected {
            expected: "'['",
            ..
        }
    ));

    let e = parse(&format!("{}\n", simple(""))).unwrap_err();
    assert_eq!(*e.kind(), ParseErrorKind::TrailingData);

    let text = simple(r#"("a","b"#);
    let e = parse(&text[..text.len() - 2]).unwrap_err();
    assert_eq!(*e.kind(), ParseErrorKind::UnterminatedString);
    assert_eq!(e.offset(), text.rfind("\"b").unwrap());

    let e = parse("Derive([").unwrap_err();
    assert_eq!(e.offset(), 8);
    assert!(e.to_string().contains("found end of input"), "{e}");
}

#[test]
fn line_and_column_count_newlines() {
    let text = simple("(\"a\",\"x\ny\"),(\"b\",c)");
    let e = parse(&text).unwrap_err();
    assert_eq!((e.line(), e.column()), (2, 10));
    assert_eq!(e.offset(), text.find(",c)").unwrap() + 1);
}

#[test]
fn rejects_bad_fields() {
    let e = parse(&simple(r#"("a","1"),("a","2")"#)).unwrap_err();
    assert_eq!(e.kind().to_string(), "duplicate environment variable 'a'");
    let e =
        parse(r#"Derive([("out","nix/store/x","","")],[],[],"x","/bin/sh",[],[])"#).unwrap_err();
    assert_eq!(e.kind().to_string(), "bad path 'nix/store/x' in derivation");
    assert_eq!(e.offset(), 15);
    let e = parse(r#"Derive([("out","/gnu/store/hfdds41qfdq0mvwhmxfkk71f5llkgx8n-a","","")],[],[],"x","/bin/sh",[],[])"#).unwrap_err();
    assert!(matches!(e.kind(), ParseErrorKind::BadPath { .. }));
    assert!(std::error::Error::source(&e).is_some());
    let e = parse(&format!(
        r#"Derive([("out","{OUT}","sha256","abc")],[],[],"x","/bin/sh",[],[])"#
    ))
    .unwrap_err();
    assert_eq!(e.kind().to_string(), "bad hash 'abc' in output 'out'");
    assert_eq!(
        std::error::Error::source(&e).unwrap().to_string(),
        "hash 'abc' has wrong length for hash type 'sha256'"
    );
    let e = parse(&format!(
        r#"Derive([("out","{OUT}","r:sha3","abc")],[],[],"x","/bin/sh",[],[])"#
    ))
    .unwrap_err();
    assert_eq!(e.kind().to_string(), "unknown hash algorithm 'sha3'");
    let e = parse(&format!(
        r#"Derive([("out","{OUT}","r:sha256","")],[],[],"x","/bin/sh",[],[])"#
    ))
    .unwrap_err();
    assert_eq!(
        e.kind().to_string(),
        "output 'out' is floating but has a path"
    );
    // Nix writes the system without escapes: a decoded quote could not be
    // written back.
    let e = parse(&format!(
        r#"Derive([("out","{OUT}","","")],[],[],"a\"b","/bin/sh",[],[])"#
    ))
    .unwrap_err();
    assert!(matches!(
        e.kind(),
        ParseErrorKind::VerbatimFieldEscapes {
            field: "system",
            ..
        }
    ));
}

#[test]
fn derivation_types_follow_nix() {
    let drv = parse(r#"Derive([],[],[],"x","/bin/sh",[],[])"#).unwrap();
    assert_eq!(drv.derivation_type(), Err(DerivationTypeError::NoOutputs));
    assert_eq!(
        DerivationTypeError::NoOutputs.to_string(),
        "must have at least one output"
    );
    let drv = parse(&format!(
        r#"Derive([("a","{OUT}","",""),("b","","","")],[],[],"x","/bin/sh",[],[])"#
    ))
    .unwrap();
    assert_eq!(drv.derivation_type(), Err(DerivationTypeError::Mixed));
    let drv = parse(&format!(
        r#"Derive([("dev","{OUT}","sha1","0000000000000000000000000000000000000000")],[],[],"x","/bin/sh",[],[])"#
    ))
    .unwrap();
    assert_eq!(drv.derivation_type(), Err(DerivationTypeError::FixedNotOut));
    let drv =
        parse(r#"Derive([("a","","sha1",""),("b","","sha256","")],[],[],"x","/bin/sh",[],[])"#)
            .unwrap();
    assert_eq!(
        drv.derivation_type(),
        Err(DerivationTypeError::FloatingAlgoMismatch)
    );
}
