# Making functions overridable and calling them with arguments taken from
# a package set: the machinery behind `callPackage`, `override` and
# `overrideDerivation`.
{ lib }:
let
  inherit (builtins) intersectAttrs attrNames filter isAttrs;
in
rec {
  overrideDerivation = drv: f:
    let
      newDrv = derivation (drv.drvAttrs // (f drv));
    in
    lib.flip (extendDerivation (builtins.seq drv.drvPath true)) newDrv ({
      meta = drv.meta or { };
      passthru = if drv ? passthru then drv.passthru else { };
    } // (drv.passthru or { }) // lib.optionalAttrs (drv ? __spliced) {
      __spliced = { } // (builtins.mapAttrs (_: sDrv: overrideDerivation sDrv f) drv.__spliced);
    });

  # `makeOverridable f args` is `f args` plus `override` (call again with
  # changed arguments, a set or a function of the old ones) and, when the
  # result is a derivation, `overrideDerivation`; `overrideAttrs` keeps
  # `override` working afterwards.
  makeOverridable = f:
    let
      wrapped = origArgs:
        let
          result = f origArgs;
          overrideWith = newArgs: origArgs // (if lib.isFunction newArgs then newArgs origArgs else newArgs);
          overrideResult = g: makeOverridable (args: g (f args)) origArgs;
          override = newArgs: wrapped (overrideWith newArgs);
        in
        if isAttrs result then
          result // {
            inherit override;
            overrideDerivation = fdrv: overrideResult (x: overrideDerivation x fdrv);
          } // lib.optionalAttrs (result ? overrideAttrs) {
            overrideAttrs = fdrv: overrideResult (x: x.overrideAttrs fdrv);
          }
        else if lib.isFunction result then
          lib.setFunctionArgs result (lib.functionArgs result) // { inherit override; }
        else result;
    in
    lib.mirrorFunctionArgs f wrapped;

  # The arguments of `fn` that are neither in `autoArgs` nor given, nor
  # have a default, name the error.
  callPackageWith = autoArgs: fn: args:
    let
      f = if lib.isFunction fn then fn else import fn;
      fargs = lib.functionArgs f;
      allArgs = intersectAttrs fargs autoArgs // args;
      missingArgs = filter (name: !fargs.${name} && !(allArgs ? ${name})) (attrNames fargs);
      describe = name:
        let
          pos = builtins.unsafeGetAttrPos name fargs;
          where = if pos == null then "" else " at ${pos.file}:${toString pos.line}";
        in
        "lib.customisation.callPackageWith: Function called without required argument \"${name}\"${where}";
    in
    if missingArgs == [ ] then makeOverridable f allArgs
    else throw (describe (builtins.head missingArgs));

  callPackagesWith = autoArgs: fn: args:
    let
      f = if lib.isFunction fn then fn else import fn;
      auto = intersectAttrs (lib.functionArgs f) autoArgs;
      origArgs = auto // args;
      pkgs = f origArgs;
      mkAttrOverridable = name: _: makeOverridable (newArgs: (f newArgs).${name}) origArgs;
    in
    if lib.isDerivation pkgs then throw "function `callPackages` was called on a *single* derivation ${pkgs.name or "<unknown-name>"}; did you mean to use `callPackage` instead?"
    else builtins.mapAttrs mkAttrOverridable pkgs;

  extendDerivation = condition: passthru: drv:
    let
      outputs = drv.outputs or [ "out" ];
      commonAttrs = drv // (builtins.listToAttrs outputsList) // { all = map (x: x.value) outputsList; } // passthru;
      outputToAttrListElement = outputName: {
        name = outputName;
        value = commonAttrs // {
          inherit (drv.${outputName}) type outputName;
          outputSpecified = true;
          drvPath = assert condition; drv.${outputName}.drvPath;
          outPath = assert condition; drv.${outputName}.outPath;
        };
      };
      outputsList = map outputToAttrListElement outputs;
    in
    commonAttrs // {
      drvPath = assert condition; drv.drvPath;
      outPath = assert condition; drv.outPath;
    };

  hydraJob = drv: drv;

  # A package set as a scope: `callPackage` sees the scope's own members,
  # `newScope` makes nested ones, `overrideScope` takes an overlay.
  makeScope = newScope: f:
    let
      self = f self // {
        newScope = scope: newScope (self // scope);
        callPackage = self.newScope { };
        overrideScope = g: makeScope newScope (lib.fixedPoints.extends g f);
        packages = f;
      };
    in
    self;
}
