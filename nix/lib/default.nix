# cairn's Nix library, with the names and behaviour of nixpkgs' `lib`
# (written from scratch). It is the fixed point of its parts: each file
# is a function of the finished library, so parts use each other freely,
# and `lib.extend (final: prev: { ... })` layers additions on top.
#
# The commonly used functions of the parts are also on the top level
# (`lib.mapAttrs'`, `lib.mkOption`, `lib.evalModules`); `types`,
# `licenses`, `platforms`, `systems`, `sourceTypes`, `versions`, `generators`,
# `filesystem` and `asserts` stay namespaced, as in nixpkgs.
let
  parts = lib: let call = file: import file { inherit lib; }; in {
    trivial = call ./trivial.nix;
    lists = call ./lists.nix;
    strings = call ./strings.nix;
    attrsets = call ./attrsets.nix;
    fixedPoints = call ./fixed-points.nix;
    customisation = call ./customisation.nix;
    versions = call ./versions.nix;
    debug = call ./debug.nix;
    generators = call ./generators.nix;
    asserts = call ./asserts.nix;
    meta = call ./meta.nix;
    licenses = call ./licenses.nix;
    options = call ./options.nix;
    types = call ./types.nix;
    modules = call ./modules.nix;
    sources = call ./sources.nix;
    filesystem = call ./filesystem.nix;
    platforms = call ./platforms.nix;
    systems = call ./systems.nix;
    sourceTypes = call ./source-types.nix;
  };

  library = self:
    let p = parts self; in
    p
    // { fixed-points = p.fixedPoints; }
    // p.trivial // p.lists // p.attrsets // p.strings // p.fixedPoints
    // p.customisation // p.debug // p.meta // p.options
    # `lib.importJSON` stays the trivial one (`modules.importJSON` makes a module).
    // removeAttrs p.modules [ "importJSON" "importTOML" ]
    // p.sources
    // {
      inherit (builtins)
        addErrorContext genericClosure pathExists readFile trace
        toString typeOf isString isList isAttrs isPath;
      inherit (p.asserts) assertMsg assertOneOf;
      # Names lists and strings share go to the string versions.
      inherit (p.strings) hasPrefix removePrefix;
    };

  fix' = f: let x = f x // { __unfix__ = f; }; in x;
  extensible = rattrs: fix' (self: rattrs self // {
    extend = f: extensible (final: let prev = rattrs final; in prev // f final prev);
  });
in
extensible library
