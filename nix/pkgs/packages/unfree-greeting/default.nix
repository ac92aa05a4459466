# A tiny package of our own under an unfree license: it exists so that the
# collection's unfree policy is exercised (refused unless allowed).
{ lib, writeShellScriptBin }:

(writeShellScriptBin "unfree-greeting" ''
  echo "Hello from a package you had to allow."
'').overrideAttrs (old: {
  pname = "unfree-greeting";
  version = "1.0";
  name = "unfree-greeting-1.0";
  meta = (old.meta or { }) // {
    description = "A greeting under an unfree license, to test the unfree policy";
    license = lib.licenses.unfree;
    mainProgram = "unfree-greeting";
    platforms = lib.platforms.linux;
  };
})
