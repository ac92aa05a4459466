# Tracing helpers and `runTests`, the harness of `tests/`.
{ lib }:
let
  inherit (builtins) trace deepSeq attrNames filter;
in
rec {
  traceIf = pred: msg: x: if pred then trace msg x else x;
  traceValFn = f: x: trace (f x) x;
  traceVal = traceValFn (x: x);
  traceSeq = x: y: trace (deepSeq x x) y;
  traceSeqN = depth: x: y: trace (lib.generators.toPretty { allowPrettyValues = true; } (limitDepth depth x)) y;
  traceValSeqFn = f: v: traceValFn f (deepSeq v v);
  traceValSeq = traceValSeqFn (x: x);
  traceValSeqNFn = f: depth: v: traceSeqN depth (f v) v;
  traceValSeqN = traceValSeqNFn (x: x);
  traceFnSeqN = depth: name: f: v:
    let res = f v; in
    traceSeqN (depth + 1) { fn = name; from = v; to = res; } res;

  limitDepth = depth: x:
    if depth <= 0 then (if builtins.isAttrs x || builtins.isList x then "…" else x)
    else if builtins.isAttrs x && !lib.isDerivation x then builtins.mapAttrs (_: limitDepth (depth - 1)) x
    else if builtins.isList x then map (limitDepth (depth - 1)) x
    else x;

  # `runTests { testX = { expr; expected; }; ... }`: the failing cases, as
  # `{ name; expected; result; }`. Only names starting with "test" run;
  # `tests = [ "testX" ]` restricts the run to those names.
  runTests = tests:
    let
      names = filter (n: builtins.substring 0 4 n == "test" && (tests.tests or null == null || builtins.elem n tests.tests)) (attrNames tests);
      failing = name:
        let t = tests.${name}; in
        if t.expr == t.expected then [ ] else [ { inherit name; inherit (t) expected; result = t.expr; } ];
    in
    builtins.concatMap failing names;

  testAllTrue = expr: { inherit expr; expected = map (x: true) expr; };
}
