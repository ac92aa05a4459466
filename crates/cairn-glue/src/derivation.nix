# `derivation`, as cairn provides it: a lazy wrapper around the primitive
# `derivationStrict`. The result is the attribute set of the first output;
# every output's set holds the original attributes, one attribute per
# output (so `drv.dev` works from any of them), `all` (every output's
# set), `drvAttrs`, and its own `outPath`, `drvPath`, `outputName` and
# `type = "derivation"`. Nothing is computed until one of the paths is
# asked for.
drvAttrs@{ outputs ? [ "out" ], ... }:
let
  strict = derivationStrict drvAttrs;

  shared = drvAttrs // builtins.listToAttrs perOutput // {
    all = map (o: o.value) perOutput;
    inherit drvAttrs;
  };

  forOutput = outputName: {
    name = outputName;
    value = shared // {
      outPath = builtins.getAttr outputName strict;
      drvPath = strict.drvPath;
      type = "derivation";
      inherit outputName;
    };
  };

  perOutput = map forOutput outputs;
in
(builtins.head perOutput).value
