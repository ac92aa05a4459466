# `derivation`, as cairn provides it: a lazy wrapper around `derivationStrict`
# returning the first output's set. Each output's set has the original
# attributes, one attribute per output, `all`, `drvAttrs`, and its own
# `outPath`, `drvPath`, `outputName` and `type`. Nothing is computed until a
# path is asked for. (The calls of `derivationStrict` and `head` sit on the
# lines and columns Nix 2.8 reports for its own wrapper.)
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

in (builtins.head perOutput).value
