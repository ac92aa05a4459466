# Assertions with messages, and NixOS's `assertions`/`warnings` check.
{ lib }:
rec {
  assertMsg = pred: msg: pred || builtins.throw msg;

  assertOneOf = name: val: xs:
    assertMsg (lib.elem val xs)
      "${name} must be one of ${lib.generators.toPretty { } xs}, but is: ${lib.generators.toPretty { } val}";

  assertEachOneOf = name: vals: xs:
    assertMsg (lib.all (val: lib.elem val xs) vals)
      "each element in ${name} must be one of ${lib.generators.toPretty { } xs}, but is: ${lib.generators.toPretty { } vals}";

  # `checkAssertWarn assertions warnings value`: throws "Failed
  # assertions:" with every failed message when any assertion is false,
  # otherwise prints each warning (once, when `value` is forced) and
  # returns `value`.
  checkAssertWarn = assertions: warnings: value:
    let
      failed = map (x: x.message) (builtins.filter (x: !x.assertion) assertions);
    in
    if failed != [ ] then
      throw "\nFailed assertions:\n${lib.concatStringsSep "\n" (map (x: "- ${x}") failed)}"
    else lib.foldr (w: v: lib.warn w v) value warnings;
}
