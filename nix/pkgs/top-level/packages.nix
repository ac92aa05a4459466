# The packages built from source, each in packages/NAME/default.nix.
{ callPackage }:
{
  hello = callPackage ../packages/hello { };
}
