# Lists. Everything that can be a builtin is one (`genList`, `foldl'`,
# `concatMap`, `sort`, `partition`, `groupBy`); the rest avoids building
# lists by repeated `++`, which is quadratic in Nix.
{ lib }:
let
  inherit (builtins)
    length elemAt head tail genList foldl' filter concatLists concatMap
    elem sort lessThan;
in
rec {
  inherit (builtins)
    length elemAt head tail genList filter concatLists concatMap elem sort
    map all any partition isList;
  inherit foldl';

  singleton = x: [ x ];
  forEach = xs: f: map f xs;

  foldr = op: nul: list:
    let
      n = length list;
      go = i: if i == n then nul else op (elemAt list i) (go (i + 1));
    in
    go 0;
  fold = foldr;
  foldl = op: nul: list:
    let go = i: if i < 0 then nul else op (go (i - 1)) (elemAt list i);
    in go (length list - 1);

  imap0 = f: list: genList (i: f i (elemAt list i)) (length list);
  imap1 = f: list: genList (i: f (i + 1) (elemAt list i)) (length list);
  ifilter0 = p: list:
    map (i: elemAt list i) (filter (i: p i (elemAt list i)) (genList (i: i) (length list)));

  flatten = x: if builtins.isList x then concatMap flatten x else [ x ];
  remove = e: filter (x: x != e);

  findSingle = pred: default: multiple: list:
    let found = filter pred list; n = length found;
    in if n == 0 then default else if n == 1 then head found else multiple;
  findFirstIndex = pred: default: list:
    let
      n = length list;
      go = i: if i == n then default else if pred (elemAt list i) then i else go (i + 1);
    in
    go 0;
  findFirst = pred: default: list:
    let i = findFirstIndex pred null list;
    in if i == null then default else elemAt list i;

  count = pred: foldl' (c: x: if pred x then c + 1 else c) 0;

  optional = cond: elem: if cond then [ elem ] else [ ];
  optionals = cond: elems: if cond then elems else [ ];
  toList = x: if builtins.isList x then x else [ x ];

  range = first: last:
    if first > last then [ ] else genList (n: first + n) (last - first + 1);
  replicate = n: x: genList (_: x) n;

  groupBy' = op: nul: pred: list:
    builtins.mapAttrs (_: foldl' op nul) (builtins.groupBy pred list);
  groupBy = builtins.groupBy;

  zipListsWith = f: fst: snd:
    genList (n: f (elemAt fst n) (elemAt snd n)) (lib.trivial.min (length fst) (length snd));
  zipLists = zipListsWith (fst: snd: { inherit fst snd; });

  reverseList = xs: let l = length xs; in genList (n: elemAt xs (l - n - 1)) l;

  # Topological sort: `before a b` is true when `a` must come before `b`.
  # Returns `{ result = sorted; }`, or `{ cycle; loops; }` when the
  # relation has a cycle. Each step starts at the first remaining element
  # and walks to an element that must precede it (the first such, in list
  # order) until there is none; that element comes next. Elements that are
  # unrelated keep their relative order.
  toposort = before: list:
    let
      # Walks back from `cur`; `path` holds the elements already passed.
      minimal = rest: path: cur:
        let
          preds = filter (y: y != cur && before y cur) rest;
        in
        if preds == [ ] then { found = cur; }
        else
          let p = head preds; in
          if elem p path then { cycle = path ++ [ cur ]; loops = [ p ]; }
          else minimal rest (path ++ [ cur ]) p;
      go = acc: rest:
        if rest == [ ] then { result = acc; }
        else
          let m = minimal rest [ ] (head rest); in
          if m ? cycle then { inherit (m) cycle loops; }
          else go (acc ++ [ m.found ]) (removeFirst m.found rest);
      removeFirst = x: xs:
        let i = findFirstIndex (y: y == x) null xs;
        in sublist 0 i xs ++ sublist (i + 1) (length xs) xs;
    in
    if length list < 2 then { result = list; } else go [ ] list;

  sortOn = f: list:
    map (p: p.x) (sort (a: b: a.k < b.k) (map (x: { inherit x; k = f x; }) list));

  compareLists = cmp: a: b:
    if a == [ ] then (if b == [ ] then 0 else -1)
    else if b == [ ] then 1
    else let r = cmp (head a) (head b); in if r == 0 then compareLists cmp (tail a) (tail b) else r;

  # Sorts strings with embedded numbers by their numeric value ("a2" < "a10").
  naturalSort = list:
    let
      vectorise = s: map (x: if builtins.isList x then builtins.fromJSON (head x) else x) (builtins.split "(0|[1-9][0-9]*)" s);
      prepared = map (x: [ (vectorise x) x ]) list;
      less = a: b: (compareLists lib.trivial.compare (head a) (head b)) < 0;
    in
    map (x: elemAt x 1) (sort less prepared);

  take = n: sublist 0 n;
  drop = n: list: sublist n (length list) list;
  takeEnd = n: list: drop (lib.trivial.max 0 (length list - n)) list;
  dropEnd = n: list: take (lib.trivial.max 0 (length list - n)) list;
  sublist = start: count: list:
    let
      len = length list;
      n = if start >= len then 0 else if start + count > len then len - start else count;
    in
    genList (i: elemAt list (i + start)) (lib.trivial.max 0 n);

  hasPrefix = prefix: list: take (length prefix) list == prefix;
  removePrefix = prefix: list:
    if hasPrefix prefix list then drop (length prefix) list
    else throw "lib.lists.removePrefix: First argument is not a list prefix of the second argument";
  commonPrefix = a: b:
    let n = findFirstIndex (i: elemAt a i != elemAt b i) (lib.trivial.min (length a) (length b))
      (range 0 (lib.trivial.min (length a) (length b) - 1));
    in take n a;

  last = list: assert lib.assertMsg (list != [ ]) "lists.last: list must not be empty!"; elemAt list (length list - 1);
  init = list: assert lib.assertMsg (list != [ ]) "lists.init: list must not be empty!"; take (length list - 1) list;

  crossLists = f: foldl' (fs: args: concatMap (f: map f args) fs) [ f ];
  cartesianProduct = lib.attrsets.cartesianProduct;

  # Keeps the first occurrence of each element. Lists of strings are
  # deduplicated through an attribute set in one pass (string equality
  # ignores context, so the names drop it); other values fall back to
  # the pairwise scan.
  unique = list:
    if builtins.all builtins.isString list then
      let
        key = builtins.unsafeDiscardStringContext;
        firsts = builtins.listToAttrs (imap0 (i: x: { name = key x; value = i; }) list);
      in
      ifilter0 (i: x: firsts.${key x} == i) list
    else foldl' (acc: e: if elem e acc then acc else acc ++ [ e ]) [ ] list;
  allUnique = list: length (unique list) == length list;

  intersectLists = e: filter (x: elem x e);
  subtractLists = e: filter (x: !(elem x e));
  mutuallyExclusive = a: b: length a == 0 || !(any (x: elem x a) b);

  listToAttrs = builtins.listToAttrs;
  concatMapList = concatMap;
}
