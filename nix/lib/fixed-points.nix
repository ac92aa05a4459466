# Fixed points and extensions: the shape of package sets and of this
# library itself (`final: prev: { ... }` overlays).
{ lib }:
rec {
  fix = f: let x = f x; in x;
  fix' = f: let x = f x // { __unfix__ = f; }; in x;
  converge = f: x: let x' = f x; in if x' == x then x else converge f x';

  # `extends overlay f`: the fixed point of `f` with `overlay final prev`
  # layered on top of it.
  extends = overlay: f: final:
    let prev = f final; in prev // overlay final prev;

  toExtension = f:
    if lib.isFunction f then
      final: prev: let fPrev = f prev; in if lib.isFunction fPrev then f final prev else fPrev
    else final: prev: f;

  composeExtensions = f: g: final: prev:
    let
      fApplied = f final prev;
      prev' = prev // fApplied;
    in
    fApplied // g final prev';
  composeManyExtensions = builtins.foldl' composeExtensions (final: prev: { });

  makeExtensible = makeExtensibleWithCustomName "extend";
  makeExtensibleWithCustomName = extenderName: rattrs:
    fix' (self: rattrs self // {
      ${extenderName} = f: makeExtensibleWithCustomName extenderName (extends f rattrs);
    });
}
