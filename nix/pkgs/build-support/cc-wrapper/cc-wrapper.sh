#!@shell@
# cairn's compiler wrapper: runs the bootstrap toolchain's @driver@ against
# the C library in the store instead of the host's.
#
# * `--sysroot=<glibc>` makes glibc's headers, start files and libraries
#   the only system ones (the host's /usr/include is never searched), and
#   `-B<tools>/usr/bin/` finds the assembler and linker in the toolchain.
# * Flags from the build's inputs come from the environment the stdenv
#   prepares: NIX_CFLAGS_COMPILE (-isystem DIR …) always, NIX_LDFLAGS
#   (-L DIR …) when linking.
# * When linking, the dynamic linker is glibc's and the RUNPATH gets glibc
#   plus each store directory that provides a library the link names
#   (-lNAME or a path to a .so), so programs find their libraries without
#   LD_LIBRARY_PATH and their RUNPATH names nothing they do not use. Every
#   store -L directory is also an -rpath-link directory, where ld finds
#   the libraries that linked libraries need.
set -eu -o pipefail +o posix
shopt -s nullglob

link=1
for arg in "$@"; do
    case "$arg" in
        -c | -S | -E | -M | -MM | -fsyntax-only | -v | --version | -dumpversion | -dumpmachine | -print-* | --print-*) link=0 ;;
    esac
done
if [ "$#" = 0 ]; then link=0; fi
if [ "@driver@" = "cpp-@gccVersion@" ]; then link=0; fi

before=(--sysroot=@glibc@ -B@tools@/usr/bin/)
# shellcheck disable=SC2206
before+=(${NIX_CFLAGS_COMPILE-})
after=()

if [ "$link" = 1 ]; then
    # shellcheck disable=SC2206
    ldflags=(${NIX_LDFLAGS-})
    after+=("${ldflags[@]}")
    dirs=()
    libs=()
    rpath=("@glibc@/lib/@multiarch@")
    expect=
    for arg in "$@" "${ldflags[@]}"; do
        if [ -n "$expect" ]; then
            case "$expect" in L) dirs+=("$arg") ;; l) libs+=("$arg") ;; esac
            expect=
            continue
        fi
        case "$arg" in
            -L) expect=L ;;
            -L*) dirs+=("${arg#-L}") ;;
            -l) expect=l ;;
            -l*) libs+=("${arg#-l}") ;;
            @storeDir@/*.so | @storeDir@/*.so.*) rpath+=("${arg%/*}") ;;
        esac
    done
    for dir in "${dirs[@]}"; do
        case "$dir" in @storeDir@/*) ;; *) continue ;; esac
        # The libraries a linked library needs (libcurl.so needs libssl)
        # are looked up at link time in the -L directories too: ld does not
        # follow a library's RUNPATH under --sysroot.
        after+=("-Wl,-rpath-link,$dir")
        for lib in "${libs[@]}"; do
            if [ -e "$dir/lib$lib.so" ]; then
                rpath+=("$dir")
                break
            fi
        done
    done
    seen=:
    for dir in "${rpath[@]}"; do
        case "$seen" in *":$dir:"*) continue ;; esac
        seen="$seen$dir:"
        after+=("-Wl,-rpath,$dir")
    done
    after+=("-Wl,-dynamic-linker=@glibc@/lib/@multiarch@/ld-linux-x86-64.so.2")
fi

if [ -n "${NIX_DEBUG-}" ]; then
    echo "cc-wrapper: @tools@/usr/bin/@driver@ ${before[*]} $* ${after[*]}" >&2
fi
exec @tools@/usr/bin/@driver@ "${before[@]}" "$@" "${after[@]}"
