# Small combinators and facts about values: identity and composition,
# booleans and numbers, warnings, function-argument metadata, and the
# version of this library.
{ lib }:
let
  inherit (builtins) trace;
in
rec {
  id = x: x;
  const = x: _: x;
  flip = f: a: b: f b a;
  pipe = builtins.foldl' (x: f: f x);
  concat = x: y: x ++ y;
  or = x: y: x || y;
  and = x: y: x && y;
  xor = x: y: (!x) != (!y);
  bitAnd = builtins.bitAnd;
  bitOr = builtins.bitOr;
  bitXor = builtins.bitXor;
  bitNot = builtins.sub (-1);
  boolToString = b: if b then "true" else "false";
  mergeAttrs = x: y: x // y;
  defaultTo = default: x: if x == null then default else x;
  mapNullable = f: a: if a == null then a else f a;

  add = builtins.add;
  sub = builtins.sub;
  lessThan = builtins.lessThan;
  min = x: y: if x < y then x else y;
  max = x: y: if x > y then x else y;
  mod = base: int: base - (int * (builtins.div base int));
  compare = a: b: if a < b then -1 else if a > b then 1 else 0;

  # `splitByAndCompare p yes no a b`: elements satisfying `p` sort first,
  # each group compared with its own function.
  splitByAndCompare = p: yes: no: a: b:
    if p a then (if p b then yes a b else -1)
    else if p b then 1
    else no a b;

  seq = builtins.seq;
  deepSeq = builtins.deepSeq;
  isInt = builtins.isInt;
  isFloat = builtins.isFloat;
  isBool = builtins.isBool;

  importJSON = path: builtins.fromJSON (builtins.readFile path);
  importTOML = path: builtins.fromTOML (builtins.readFile path);

  # Warnings go to stderr through `builtins.trace`, so they appear once,
  # when the value they guard is forced.
  warn = msg: trace "warning: ${msg}";
  warnIf = cond: msg: if cond then warn msg else x: x;
  warnIfNot = cond: msg: if cond then x: x else warn msg;
  info = msg: trace "INFO: ${msg}";
  throwIf = cond: msg: if cond then throw msg else x: x;
  throwIfNot = cond: msg: if cond then x: x else throw msg;
  checkListOfEnum = msg: valid: given:
    let unexpected = builtins.filter (v: !(builtins.elem v valid)) given;
    in throwIfNot (unexpected == [ ])
      "${msg}: ${builtins.concatStringsSep ", " (map builtins.toString unexpected)} unexpected; valid ones: ${builtins.concatStringsSep ", " (map builtins.toString valid)}";

  # A function with explicit argument metadata: `functionArgs` (below) sees
  # `args`, which lets wrappers such as `makeOverridable` keep the formal
  # arguments of the function they wrap.
  setFunctionArgs = f: args: {
    __functor = _: f;
    __functionArgs = args;
  };
  # Unlike `builtins.functionArgs`, understands `setFunctionArgs` and
  # callable attribute sets.
  functionArgs = f:
    if f ? __functor then f.__functionArgs or (functionArgs (f.__functor f))
    else builtins.functionArgs f;
  isFunction = f: builtins.isFunction f || (f ? __functor && isFunction (f.__functor f));
  mirrorFunctionArgs = f: g: setFunctionArgs g (functionArgs f);
  toFunction = v: if isFunction v then v else _: v;

  toHexString = n: toBaseDigitsString 16 "0123456789ABCDEF" n;
  toBaseDigits = base: n:
    let
      go = k: acc: if k < base then [ k ] ++ acc else go (k / base) ([ (mod k base) ] ++ acc);
    in
    assert base >= 2; assert n >= 0; go n [ ];
  toBaseDigitsString = base: digits: n:
    builtins.concatStringsSep "" (map (d: builtins.substring d 1 digits) (toBaseDigits base n));

  inPureEvalMode = !(builtins ? currentSystem);

  # This library's release, in NixOS's YY.MM form, for code that compares
  # `lib.version` or `lib.trivial.release`.
  release = "25.11";
  codeName = "Cairn";
  versionSuffix = "";
  version = release + versionSuffix;
  oldestSupportedRelease = 2405;
  isInOldestRelease = release: release <= oldestSupportedRelease;
  oldestSupportedReleaseIsAtLeast = release: release <= oldestSupportedRelease;
}
