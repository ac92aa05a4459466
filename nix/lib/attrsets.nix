# Attribute sets: paths into nested sets, mapping and filtering,
# zipping and recursive updates, derivation outputs.
{ lib }:
let
  inherit (builtins)
    head tail length attrNames attrValues listToAttrs mapAttrs filter isAttrs
    concatMap foldl' hasAttr getAttr elemAt genList;

  # `f` applied at `path` inside `v`, creating sets along the way.
  updateAt = path: f: v:
    if path == [ ] then f v
    else
      let a = head path; rest = tail path; s = if isAttrs v then v else { }; in
      s // { ${a} = updateAt rest f (if s ? ${a} then s.${a} else null); };
in
rec {
  inherit (builtins)
    attrNames attrValues listToAttrs mapAttrs hasAttr getAttr isAttrs
    intersectAttrs removeAttrs catAttrs;

  attrByPath = attrPath: default: set:
    let
      n = length attrPath;
      go = i: s:
        if i == n then s
        else let a = elemAt attrPath i; in
          if isAttrs s && s ? ${a} then go (i + 1) s.${a} else default;
    in
    go 0 set;

  hasAttrByPath = attrPath: e:
    let
      n = length attrPath;
      go = i: s:
        i == n || (let a = elemAt attrPath i; in isAttrs s && s ? ${a} && go (i + 1) s.${a});
    in
    go 0 e;

  setAttrByPath = attrPath: value:
    let
      n = length attrPath;
      go = i: if i == n then value else { ${elemAt attrPath i} = go (i + 1); };
    in
    go 0;

  getAttrFromPath = attrPath: set:
    attrByPath attrPath (throw ("cannot find attribute `" + lib.concatStringsSep "." attrPath + "'")) set;

  concatMapAttrs = f: v: foldl' (a: b: a // b) { } (attrValues (mapAttrs f v));

  # Applies `{ path; update; }` edits to nested attribute sets; a longer
  # path below a shorter one sees the result of the shorter edit.
  updateManyAttrsByPath = updates: value:
    foldl' (v: u: updateAt u.path u.update v) value updates;

  attrVals = nameList: set: map (x: set.${x}) nameList;
  getAttrs = names: attrs: lib.genAttrs names (name: attrs.${name});

  filterAttrs = pred: set:
    removeAttrs set (filter (name: !pred name set.${name}) (attrNames set));
  filterAttrsRecursive = pred: set:
    listToAttrs (concatMap
      (name:
        let v = set.${name}; in
        if pred name v then [ { inherit name; value = if isAttrs v then filterAttrsRecursive pred v else v; } ]
        else [ ])
      (attrNames set));

  foldlAttrs = f: init: set: foldl' (acc: name: f acc name set.${name}) init (attrNames set);
  foldAttrs = op: nul: list_of_attrs:
    foldl' (a: n: foldl' (a': name: a' // { ${name} = op n.${name} (a.${name} or nul); }) a (attrNames n))
      { } (lib.lists.reverseList list_of_attrs);

  collect = pred: attrs:
    if pred attrs then [ attrs ]
    else if isAttrs attrs then concatMap (collect pred) (attrValues attrs)
    else [ ];

  cartesianProduct = attrsOfLists:
    foldl' (listOfAttrs: attrName:
      concatMap (attrs: map (listValue: attrs // { ${attrName} = listValue; }) attrsOfLists.${attrName}) listOfAttrs)
      [ { } ] (attrNames attrsOfLists);
  cartesianProductOfSets = cartesianProduct;

  mapCartesianProduct = f: attrsOfLists: map f (cartesianProduct attrsOfLists);

  nameValuePair = name: value: { inherit name value; };

  mapAttrs' = f: set: listToAttrs (map (attr: f attr set.${attr}) (attrNames set));
  mapAttrsToList = f: attrs: map (name: f name attrs.${name}) (attrNames attrs);
  mapAttrsFlatten = mapAttrsToList;
  attrsToList = mapAttrsToList nameValuePair;

  mapAttrsRecursive = f: set: mapAttrsRecursiveCond (as: true) f set;
  mapAttrsRecursiveCond = cond: f: set:
    let
      recurse = path: mapAttrs (name: value:
        if isAttrs value && cond value then recurse (path ++ [ name ]) value
        else f (path ++ [ name ]) value);
    in
    recurse [ ] set;

  genAttrs = names: f: listToAttrs (map (n: nameValuePair n (f n)) names);

  isDerivation = value: value.type or null == "derivation";
  toDerivation = path:
    let
      path' = builtins.storePath path;
      res = { type = "derivation"; name = lib.sanitizeDerivationName (builtins.substring 33 (-1) (baseNameOf path')); outPath = path'; outputs = [ "out" ]; out = res; outputName = "out"; };
    in
    res;

  optionalAttrs = cond: as: if cond then as else { };

  zipAttrsWithNames = names: f: sets:
    listToAttrs (map (name: { inherit name; value = f name (catAttrs name sets); }) names);
  zipAttrsWith = builtins.zipAttrsWith or (f: sets:
    zipAttrsWithNames (lib.lists.unique (concatMap attrNames sets)) f sets);
  zipAttrs = zipAttrsWith (name: values: values);

  mergeAttrsList = list: foldl' (a: b: a // b) { } list;

  recursiveUpdateUntil = pred: lhs: rhs:
    let
      f = attrPath:
        zipAttrsWith (n: values:
          let here = attrPath ++ [ n ]; in
          if length values == 1 || pred here (elemAt values 1) (head values) then head values
          else f here values);
    in
    f [ ] [ rhs lhs ];
  recursiveUpdate = lhs: rhs:
    recursiveUpdateUntil (path: lhs: rhs: !(isAttrs lhs && isAttrs rhs)) lhs rhs;

  matchAttrs = pattern: attrs:
    assert isAttrs pattern;
    builtins.all (n:
      attrs ? ${n} && (
        let pat = pattern.${n}; v = attrs.${n}; in
        if isAttrs pat then isAttrs v && matchAttrs pat v else pat == v))
      (attrNames pattern);

  overrideExisting = old: new: mapAttrs (name: value: new.${name} or value) old;

  showAttrPath = path:
    if path == [ ] then "<root attribute path>" else lib.concatMapStringsSep "." lib.escapeNixIdentifier path;

  getOutput = output: pkg:
    if !(pkg ? outputSpecified) || !pkg.outputSpecified then pkg.${output} or pkg.out or pkg else pkg;
  getFirstOutput = candidates: pkg:
    let outputs = builtins.filter (name: hasAttr name pkg) candidates;
    in if outputs == [ ] then pkg else getAttr (head outputs) pkg;
  getBin = getOutput "bin";
  getLib = getOutput "lib";
  getDev = getOutput "dev";
  getMan = getOutput "man";
  getInclude = getOutput "include";
  chooseDevOutputs = builtins.map getDev;

  recurseIntoAttrs = attrs: attrs // { recurseForDerivations = true; };
  dontRecurseIntoAttrs = attrs: attrs // { recurseForDerivations = false; };

  unionOfDisjoint = x: y:
    let
      intersection = intersectAttrs x y;
      collisions = lib.concatStringsSep " " (attrNames intersection);
      mask = mapAttrs (name: value: throw "unionOfDisjoint: collision on ${name}; complete list: ${collisions}") intersection;
    in
    (x // y) // mask;
}
