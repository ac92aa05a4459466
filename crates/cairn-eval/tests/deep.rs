//! Deep recursion and big data never crash the process: they evaluate, or
//! fail with Nix's `stack overflow` error.

use std::rc::Rc;

use cairn_eval::{ErrorKind, EvalOptions, Evaluator, StdIo};

fn eval(src: &str) -> Result<String, cairn_eval::EvalError> {
    eval_with(src, EvalOptions::default())
}

fn eval_with(src: &str, options: EvalOptions) -> Result<String, cairn_eval::EvalError> {
    let mut ev = Evaluator::new(Rc::new(StdIo), options);
    let v = ev.eval_source("«string»", src, "/")?;
    ev.print_strict(&v)
}

#[test]
fn foldl_over_a_million_elements() {
    let out = eval("builtins.foldl' (a: b: a + b) 0 (builtins.genList (x: x) 1000000)").unwrap();
    assert_eq!(out, "499999500000");
}

#[test]
fn million_element_list_pipeline() {
    let src = "let l = builtins.genList (x: x * 2) 1000000; \
               f = builtins.filter (x: builtins.bitAnd x 3 == 0) (map (x: x + 1) (map (x: x - 1) l)); \
               in builtins.length f";
    assert_eq!(eval(src).unwrap(), "500000");
}

#[test]
fn non_tail_recursion_100k_deep() {
    let src = "let f = n: if n == 0 then 0 else 1 + f (n - 1); in f 100000";
    assert_eq!(eval(src).unwrap(), "100000");
}

#[test]
fn recursion_100k_deep_needs_under_300k_depth_units() {
    let options = EvalOptions {
        max_depth: 300_000,
        ..EvalOptions::default()
    };
    let src = "let f = n: if n == 0 then 0 else 1 + f (n - 1); in f 100000";
    assert_eq!(eval_with(src, options).unwrap(), "100000");
}

#[test]
fn deeply_nested_list_is_built_and_printed() {
    let src = "let f = n: if n == 0 then [] else [ (f (n - 1)) ]; in builtins.length (builtins.deepSeq (f 20000) [ 1 ])";
    assert_eq!(eval(src).unwrap(), "1");
    let printed = eval("let f = n: if n == 0 then [] else [ (f (n - 1)) ]; in f 20000").unwrap();
    assert_eq!(printed.len(), 20000 * 4 + 3);
}

#[test]
fn nested_attrset_10k_deep() {
    let src = "let f = n: if n == 0 then { } else { a = f (n - 1); }; \
               g = s: n: if s ? a then g s.a (n + 1) else n; in g (f 10000) 0";
    assert_eq!(eval(src).unwrap(), "10000");
    let printed =
        eval("let f = n: if n == 0 then { } else { a = f (n - 1); }; in f 10000").unwrap();
    assert!(printed.starts_with("{ a = { a = "));
}

#[test]
fn infinite_recursion_is_a_stack_overflow_error() {
    // A small limit keeps this test cheap in debug builds; the default
    // limit behaves the same, only deeper.
    let options = EvalOptions {
        max_depth: 20_000,
        ..EvalOptions::default()
    };
    let err = eval_with("let f = n: 1 + f n; in f 0", options).unwrap_err();
    assert_eq!(err.kind, ErrorKind::StackOverflow);
    assert_eq!(
        err.to_string().lines().next().unwrap(),
        "error: stack overflow (possible infinite recursion)"
    );
}

#[test]
fn self_reference_is_infinite_recursion_with_a_position() {
    let err = eval("let x = x; in x").unwrap_err();
    assert_eq!(err.kind, ErrorKind::InfiniteRecursion);
    assert_eq!(err.pos.as_ref().unwrap().to_string(), "«string»:1:9");
}

#[test]
fn endless_tail_calls_end_in_stack_overflow() {
    let options = EvalOptions {
        max_depth: 20_000,
        ..EvalOptions::default()
    };
    let err = eval_with("(x: x x) (x: x x)", options).unwrap_err();
    assert_eq!(err.kind, ErrorKind::StackOverflow);
}

#[test]
fn long_tail_recursive_loop_within_the_default_limit() {
    let src = "let loop = n: acc: if n == 0 then acc else loop (n - 1) (acc + 1); in loop 100000 0";
    assert_eq!(eval(src).unwrap(), "100000");
}

#[test]
fn comparing_and_printing_deep_structures() {
    let src = "let f = n: if n == 0 then [ ] else [ (f (n - 1)) ]; a = f 50000; b = f 50000; in \
               [ (a == b) (a < b) (builtins.stringLength (toString a)) ]";
    assert_eq!(eval(src).unwrap(), "[ true false 0 ]");
}

#[test]
fn deeply_nested_source_text() {
    let depth = 5000;
    let src = format!("{}1{}", "[ ".repeat(depth), " ]".repeat(depth));
    // Either it evaluates or the parser refuses cleanly; no crash.
    match eval(&src) {
        Ok(out) => assert!(out.starts_with("[ [ [")),
        Err(e) => assert!(e.to_string().starts_with("error:"), "{e}"),
    }
}

#[test]
fn absurd_list_sizes_fail_cleanly() {
    let err = eval("builtins.length (builtins.genList (x: x) 4611686018427387904)").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("error: cannot create list of size"),
        "{err}"
    );
}
