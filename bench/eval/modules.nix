# A module-system-like merge: 1,000 modules define 20 options each (20,000
# definitions of 2,000 typed options), wrapped in `mkIf`/`mkOverride`/
# `mkMerge` properties. Definitions are tagged with their file, grouped
# per option with `zipAttrsWith`, their properties discharged, filtered by
# priority and merged by the option's type with `foldl'`.
let
  nOpts = 2000;
  nModules = 1000;
  perModule = 20;

  lib = rec {
    foldl' = builtins.foldl';
    mod = a: b: a - (a / b) * b;
    min = a: b: if a < b then a else b;
    max = a: b: if a > b then a else b;
    mapAttrs = builtins.mapAttrs;
    concatMap = builtins.concatMap;
    zipAttrsWith = builtins.zipAttrsWith;
    mkIf = condition: content: { _type = "if"; inherit condition content; };
    mkOverride = priority: content: { _type = "override"; inherit priority content; };
    mkDefault = mkOverride 1000;
    mkForce = mkOverride 50;
    mkMerge = contents: { _type = "merge"; inherit contents; };
    defaultPriority = 100;
  };
  inherit (lib) mod;

  types = {
    int = { name = "int"; merge = loc: defs: lib.foldl' (acc: d: lib.max acc d.value) 0 defs; };
    list = { name = "listOf"; merge = loc: defs: builtins.concatLists (map (d: d.value) defs); };
    lines = { name = "lines"; merge = loc: defs: builtins.concatStringsSep "\n" (map (d: d.value) defs); };
    attrs = { name = "attrs"; merge = loc: defs: lib.foldl' (acc: d: acc // d.value) { } defs; };
  };
  typeNames = [ "int" "list" "lines" "attrs" ];

  options = builtins.listToAttrs (builtins.genList (i: {
    name = "opt${toString i}";
    value = rec {
      type = types.${builtins.elemAt typeNames (mod i 4)};
      default = { int = 0; listOf = [ ]; lines = ""; attrs = { }; }.${type.name};
      description = "option number ${toString i}";
    };
  }) nOpts);

  valueFor = i: m:
    let t = mod i 4; in
    if t == 0 then mod (m * 7919 + i) 100003
    else if t == 1 then [ i m ]
    else if t == 2 then "line ${toString m} of opt${toString i}"
    else { "k${toString (mod m 50)}" = m; "i${toString (mod i 7)}" = i; };

  wrap = j: v:
    if mod j 5 == 0 then lib.mkIf (mod j 2 == 0) v
    else if mod j 7 == 0 then lib.mkDefault v
    else if mod j 11 == 0 then lib.mkForce v
    else if mod j 13 == 0 then lib.mkMerge [ v (lib.mkIf false v) ]
    else v;

  modules = builtins.genList (m: {
    file = "/etc/modules/module-${toString m}.nix";
    config = builtins.listToAttrs (builtins.genList (k:
      let i = mod (m * 37 + k * 101) nOpts; in {
        name = "opt${toString i}";
        value = wrap (m + k) (valueFor i m);
      }) perModule);
  }) nModules;

  typeOf' = def: if builtins.isAttrs def then def._type or "" else "";

  # mkMerge/mkIf → a list of plain definitions (nixpkgs' dischargeProperties).
  discharge = def:
    let t = typeOf' def; in
    if t == "merge" then lib.concatMap discharge def.contents
    else if t == "if" then (if def.condition then discharge def.content else [ ])
    else [ def ];

  priorityOf = def: if typeOf' def.value == "override" then def.value.priority else lib.defaultPriority;

  # nixpkgs' filterOverrides: keep the definitions of the highest priority.
  filterOverrides = defs:
    let
      highest = lib.foldl' (p: d: lib.min p (priorityOf d)) 9999 defs;
      strip = d: if typeOf' d.value == "override" then d // { value = d.value.content; } else d;
    in
    map strip (builtins.filter (d: priorityOf d == highest) defs);

  tagged = map (m: lib.mapAttrs (name: value: { inherit (m) file; inherit value; }) m.config) modules;

  merged = lib.zipAttrsWith (name: defs:
    let
      opt = options.${name};
      plain = lib.concatMap (d: map (value: { inherit (d) file; inherit value; }) (discharge d.value)) defs;
      # A property under an override (mkDefault (mkIf …)) is discharged
      # after the override is stripped.
      kept = lib.concatMap (d: map (value: { inherit (d) file; inherit value; }) (discharge d.value)) (filterOverrides plain);
    in
    {
      value = if kept == [ ] then opt.default else opt.type.merge [ name ] kept;
      files = map (d: d.file) kept;
      highestPrio = lib.foldl' (p: d: lib.min p (priorityOf d)) 9999 plain;
    }) tagged;

  config = lib.mapAttrs (name: o: o.value) merged;
  names = builtins.attrNames config;
in
{
  options = builtins.length names;
  intSum = lib.foldl' (acc: n: if builtins.isInt config.${n} then acc + config.${n} else acc) 0 names;
  listLen = lib.foldl' (acc: n: if builtins.isList config.${n} then acc + builtins.length config.${n} else acc) 0 names;
  strLen = lib.foldl' (acc: n: if builtins.isString config.${n} then acc + builtins.stringLength config.${n} else acc) 0 names;
  attrCount = lib.foldl' (acc: n: if builtins.isAttrs config.${n} then acc + builtins.length (builtins.attrNames config.${n}) else acc) 0 names;
  files = lib.foldl' (acc: n: acc + builtins.length merged.${n}.files) 0 names;
  prios = lib.foldl' (acc: n: acc + merged.${n}.highestPrio) 0 names;
  sample = { inherit (config) opt3 opt10 opt1001; opt6 = builtins.substring 0 60 config.opt6; };
}
