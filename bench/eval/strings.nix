# String-heavy: interpolation in loops, concatStringsSep, replaceStrings,
# substring, stringLength, toString, splitting.
let
  n = 100000;
  parts = builtins.genList (i: "item-${toString i}-${toString (i * 3)}") n;
  joined = builtins.concatStringsSep "," parts;
  replaced = builtins.replaceStrings [ "item" "-" ] [ "x" "_" ] joined;
  lens = builtins.foldl' (a: s: a + builtins.stringLength s) 0 parts;
  subs = builtins.foldl' (a: s: a + builtins.stringLength (builtins.substring 2 3 s)) 0 parts;
  concatLoop = builtins.foldl' (acc: i: acc + "${toString i};") "" (builtins.genList (i: i) 5000);
  cmp = builtins.length (builtins.filter (s: s == "item-5-15" || s < "item-2") parts);
  hashes = builtins.foldl' (a: s: a + builtins.stringLength (builtins.hashString "sha256" s)) 0 (builtins.genList (i: "h${toString i}") 20000);
  split = builtins.length (builtins.split "," (builtins.substring 0 200000 joined));
in {
  inherit lens subs cmp hashes split;
  len = builtins.stringLength joined;
  rlen = builtins.stringLength replaced;
  rhead = builtins.substring 0 40 replaced;
  loop = builtins.stringLength concatLoop;
}
