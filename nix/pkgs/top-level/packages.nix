# The packages built from source, each in packages/NAME/default.nix.
{ callPackage }:
{
  autoconf = callPackage ../packages/autoconf { };
  automake = callPackage ../packages/automake { };
  bash = callPackage ../packages/bash { };
  bc = callPackage ../packages/bc { };
  bzip2 = callPackage ../packages/bzip2 { };
  coreutils = callPackage ../packages/coreutils { };
  curl = callPackage ../packages/curl { };
  dash = callPackage ../packages/dash { };
  diffutils = callPackage ../packages/diffutils { };
  ed = callPackage ../packages/ed { };
  file = callPackage ../packages/file { };
  findutils = callPackage ../packages/findutils { };
  gawk = callPackage ../packages/gawk { };
  gnugrep = callPackage ../packages/gnugrep { };
  gnum4 = callPackage ../packages/gnum4 { };
  gnumake = callPackage ../packages/gnumake { };
  gnupatch = callPackage ../packages/gnupatch { };
  gnused = callPackage ../packages/gnused { };
  gnutar = callPackage ../packages/gnutar { };
  gzip = callPackage ../packages/gzip { };
  hello = callPackage ../packages/hello { };
  htop = callPackage ../packages/htop { };
  jq = callPackage ../packages/jq { };
  less = callPackage ../packages/less { };
  libtool = callPackage ../packages/libtool { };
  ncurses = callPackage ../packages/ncurses { };
  nginx = callPackage ../packages/nginx { };
  openssh = callPackage ../packages/openssh { };
  openssl = callPackage ../packages/openssl { };
  perl = callPackage ../packages/perl { };
  pkgconf = callPackage ../packages/pkgconf { };
  readline = callPackage ../packages/readline { };
  sqlite = callPackage ../packages/sqlite { };
  tcl = callPackage ../packages/tcl { };
  tree = callPackage ../packages/tree { };
  unfree-greeting = callPackage ../packages/unfree-greeting { };
  which = callPackage ../packages/which { };
  xz = callPackage ../packages/xz { };
  zlib = callPackage ../packages/zlib { };
  zstd = callPackage ../packages/zstd { };
}
