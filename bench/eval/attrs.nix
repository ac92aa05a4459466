# Attrset-heavy: listToAttrs, mapAttrs, //, attrNames, lookups, rec sets.
let
  n = 100000;
  names = builtins.genList (i: "k${toString i}") n;
  big = builtins.listToAttrs (map (k: { name = k; value = builtins.stringLength k; }) names);
  doubled = builtins.mapAttrs (k: v: v * 2) big;
  merged = big // doubled // { extra = 1; };
  # Many small merges, as in overlay-style code.
  small = builtins.foldl' (acc: i: acc // { "a${toString (builtins.bitAnd i 63)}" = i; }) { } (builtins.genList (i: i) 20000);
  lookups = builtins.foldl' (acc: k: acc + merged.${k}) 0 names;
  mk = i: rec { a = i; b = a + 1; c = { inherit a b; d = b * 2; }; };
  recs = builtins.foldl' (acc: i: acc + (mk i).c.d) 0 (builtins.genList (i: i) 50000);
  fn = { a, b ? 2, ... }: a + b;
  calls = builtins.foldl' (acc: i: acc + fn { a = i; }) 0 (builtins.genList (i: i) 50000);
in {
  count = builtins.length (builtins.attrNames merged);
  inherit lookups recs calls;
  small = builtins.attrNames small;
  has = builtins.length (builtins.filter (k: doubled ? ${k}) names);
  vals = builtins.foldl' (a: b: a + b) 0 (builtins.attrValues doubled);
}
