# The builder of every `stdenv.mkDerivation` package without its own.
# shellcheck disable=SC1091
source "$stdenv/setup"
genericBuild
