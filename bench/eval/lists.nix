# List-heavy: genList, map, filter, foldl', sort, concatMap, elem.
let
  n = 200000;
  xs = builtins.genList (i: (i * 7919) - (i / 13) * 13 * 7919) n;
  ys = map (x: x * 3 + 1) xs;
  evens = builtins.filter (x: builtins.bitAnd x 1 == 0) ys;
  total = builtins.foldl' (a: b: a + b) 0 ys;
  sorted = builtins.sort (a: b: a < b) ys;
  big = builtins.genList (i: i) 1000000;
  bigsum = builtins.foldl' (a: b: a + b) 0 (map (x: x + 1) big);
  cm = builtins.concatMap (x: [ x x ]) (builtins.genList (i: i) 100000);
  nested = builtins.length (builtins.concatLists (builtins.genList (i: [ i (i + 1) ]) 100000));
in {
  inherit total bigsum nested;
  evens = builtins.length evens;
  first = builtins.head sorted;
  last = builtins.elemAt sorted (builtins.length sorted - 1);
  cm = builtins.length cm;
  elems = builtins.length (builtins.filter (x: builtins.elem x [ 1 2 3 4 5 6 7 8 9 10 ]) (builtins.genList (i: i) 100000));
  rev = builtins.head (builtins.foldl' (acc: x: [ x ] ++ acc) [ ] (builtins.genList (i: i) 2000));
}
