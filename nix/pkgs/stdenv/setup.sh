# cairn's standard build environment, sourced by every package's builder
# (`source $stdenv/setup; genericBuild`). The stdenv derivation prepends
# the variables it was built with (initialPath, shell, …) to this file.
#
# What it does, in order:
#   1. PATH from the initial tools, then every input's `bin`;
#      inputs' include/lib/pkgconfig directories into NIX_CFLAGS_COMPILE,
#      NIX_LDFLAGS and PKG_CONFIG_PATH (read by the cc-wrapper and
#      pkg-config); inputs' `nix-support/setup-hook`s are sourced and
#      their `nix-support/propagated-build-inputs` followed.
#   2. `genericBuild` runs the phases: unpack, patch, configure, build,
#      check, install, fixup, installCheck (or `$phases`, or
#      `$buildCommand`). Each phase can be replaced (`configurePhase =
#      "…"`), skipped (`dontConfigure = true`), or extended by hooks
#      (`preConfigure`/`postConfigure`).
#   3. Fixup: shrink ELF RUNPATHs to the directories used, strip debug
#      information (it names the toolchain, which would otherwise enter
#      the runtime closure), point `#!` lines into the store, record
#      propagated inputs and the setup hook.

set -o pipefail
shopt -s nullglob

: "${outputs:=out}"
: "${NIX_BUILD_CORES:=1}"
if [ "$NIX_BUILD_CORES" -le 0 ] 2>/dev/null; then NIX_BUILD_CORES=1; fi
export NIX_BUILD_CORES
export SHELL="$shell"
export CONFIG_SHELL="$shell"
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-315532800}"
export LC_ALL=C
export TZ=UTC

######################################################################
# Helpers

# `runHook NAME`: runs the shell code in $NAME (a `preConfigure = "…"`
# attribute or a function of that name), then every function listed in
# the array NAMEHooks.
runHook() {
    local name="$1" hook
    shift
    local hooksVar="${name}Hooks[@]"
    for hook in "${!hooksVar}"; do
        "$hook" "$@"
    done
    if declare -F "$name" >/dev/null; then
        "$name" "$@"
    elif [ -n "${!name:-}" ]; then
        eval "${!name}"
    fi
    return 0
}

# `addToSearchPath VAR DIR`: appends DIR to the colon list VAR if DIR exists.
addToSearchPath() {
    local var="$1" dir="$2"
    if [ -d "$dir" ]; then
        export "$var=${!var:+${!var}:}$dir"
    fi
}

# The phase banner, as nixpkgs prints it, so logs read the same.
showPhaseHeader() {
    echo "@nix { \"action\": \"setPhase\", \"phase\": \"$1\" }" >&2
    echo "$1"
}

isElf() {
    local magic
    [ -f "$1" ] && [ ! -L "$1" ] || return 1
    magic="$(head -c 4 "$1" 2>/dev/null | tr -d '\000')" || return 1
    [ "$magic" = $'\177ELF' ]
}

# ELF files and static libraries (`!<arch>`): what `strip -S` can strip.
isStrippable() {
    isElf "$1" && return 0
    local magic
    magic="$(head -c 7 "$1" 2>/dev/null | tr -d '\000')" || return 1
    [ "$magic" = '!<arch>' ]
}

######################################################################
# 1. The inputs

PATH=
for dir in $initialPath; do
    addToSearchPath PATH "$dir/bin"
    addToSearchPath PATH "$dir/usr/bin"
done
export PATH

declare -a allInputs=()
declare -A seenInputs=()

# Depth-first over the inputs and what they propagate, each once.
findInputs() {
    local dep="$1" propagated
    if [ -n "${seenInputs[$dep]:-}" ]; then return 0; fi
    seenInputs[$dep]=1
    if [ ! -e "$dep" ]; then
        echo "error: the input '$dep' does not exist" >&2
        exit 1
    fi
    allInputs+=("$dep")
    if [ -f "$dep/nix-support/propagated-build-inputs" ]; then
        for propagated in $(< "$dep/nix-support/propagated-build-inputs"); do
            findInputs "$propagated"
        done
    fi
}

for dep in $nativeBuildInputs $buildInputs $propagatedNativeBuildInputs $propagatedBuildInputs; do
    findInputs "$dep"
done

# `prependToSearchPath VAR DIR`: puts DIR first in the colon list VAR.
prependToSearchPath() {
    local var="$1" dir="$2"
    if [ -d "$dir" ]; then
        export "$var=$dir${!var:+:${!var}}"
    fi
}

# What an input contributes to the build environment. Its programs come
# before the initial tools, so a package built with the collection's own
# bash (say) finds it, and its scripts' `#!` lines point at it.
addInput() {
    local dep="$1"
    prependToSearchPath PATH "$dep/sbin"
    prependToSearchPath PATH "$dep/bin"
    if [ -d "$dep/include" ]; then
        export NIX_CFLAGS_COMPILE="${NIX_CFLAGS_COMPILE:-} -isystem $dep/include"
    fi
    if [ -d "$dep/lib" ]; then
        export NIX_LDFLAGS="${NIX_LDFLAGS:-} -L$dep/lib"
    fi
    addToSearchPath PKG_CONFIG_PATH "$dep/lib/pkgconfig"
    addToSearchPath PKG_CONFIG_PATH "$dep/share/pkgconfig"
    addToSearchPath ACLOCAL_PATH "$dep/share/aclocal"
    if [ -f "$dep/nix-support/setup-hook" ]; then
        # shellcheck disable=SC1091
        source "$dep/nix-support/setup-hook"
    fi
}

# In reverse, so that with prepending the first input ends up first.
for ((i = ${#allInputs[@]} - 1; i >= 0; i--)); do
    addInput "${allInputs[i]}"
done

# The package's own outputs come first in flags so its libraries are found
# when its programs link against them during the build.
export NIX_LDFLAGS="${NIX_LDFLAGS:-}"
export NIX_CFLAGS_COMPILE="${NIX_CFLAGS_COMPILE:-}"
export CC=cc CXX=c++ CPP=cpp

prefix="${prefix:-$out}"

# The package's own libraries are found by its programs: every link gets
# RUNPATH PREFIX/lib (a reference to itself, which costs nothing), as
# nixpkgs' stdenv adds it; `dontAddRpath` turns it off.
if [ -z "${dontAddRpath:-}" ]; then
    export NIX_LDFLAGS="-Wl,-rpath,$prefix/lib $NIX_LDFLAGS"
fi

######################################################################
# 2. The phases

unpackFile() {
    local file="$1"
    echo "unpacking source archive $file"
    if [ -d "$file" ]; then
        cp -r --preserve=mode,timestamps --no-preserve=ownership "$file" "$(stripHash "$file")"
        return
    fi
    case "$file" in
        *.tar | *.tar.* | *.tgz | *.tbz2 | *.tbz | *.txz)
            tar --no-same-owner --no-same-permissions --delay-directory-restore -xf "$file" ;;
        *.zip)
            echo "error: cannot unpack '$file': no unzip in the stdenv" >&2
            return 1 ;;
        *)
            echo "error: do not know how to unpack source archive '$file'" >&2
            return 1 ;;
    esac
}

# A store path's name without its hash.
stripHash() {
    local base="${1##*/}"
    if [[ "$base" =~ ^[0-9a-z]{32}- ]]; then
        echo "${base:33}"
    else
        echo "$base"
    fi
}

unpackPhase() {
    runHook preUnpack
    if [ -z "${srcs:-}" ]; then
        if [ -z "${src:-}" ]; then
            echo "error: the package has neither 'src' nor 'srcs'; set dontUnpack = true if it needs none" >&2
            return 1
        fi
        srcs="$src"
    fi
    local before after dir
    before="$(find . -mindepth 1 -maxdepth 1 -type d | sort)"
    for file in $srcs; do
        unpackFile "$file"
    done
    if [ -n "${setSourceRoot:-}" ]; then
        runHook setSourceRoot
    elif [ -z "${sourceRoot:-}" ]; then
        after="$(find . -mindepth 1 -maxdepth 1 -type d | sort)"
        local new=()
        for dir in $(comm -13 <(echo "$before") <(echo "$after")); do
            new+=("$dir")
        done
        if [ "${#new[@]}" = 0 ]; then
            echo "error: unpacking the source made no directory; set sourceRoot" >&2
            return 1
        elif [ "${#new[@]}" -gt 1 ]; then
            echo "error: unpacking the source made several directories (${new[*]}); set sourceRoot" >&2
            return 1
        fi
        sourceRoot="${new[0]}"
    fi
    echo "source root is $sourceRoot"
    chmod -R u+w -- "$sourceRoot"
    cd "$sourceRoot"
    runHook postUnpack
}

patchPhase() {
    runHook prePatch
    local patch
    for patch in ${patches:-}; do
        echo "applying patch $patch"
        case "$patch" in
            *.gz) gzip -dc "$patch" ;;
            *.xz) xz -dc "$patch" ;;
            *.bz2) bzip2 -dc "$patch" ;;
            *) cat "$patch" ;;
        esac | patch ${patchFlags:--p1}
    done
    runHook postPatch
}

configurePhase() {
    runHook preConfigure
    : "${configureScript:=}"
    if [ -z "$configureScript" ] && [ -x ./configure ]; then
        configureScript=./configure
    fi
    if [ -z "$configureScript" ]; then
        echo "no configure script, doing nothing"
        runHook postConfigure
        return
    fi
    local flags=()
    if [ -z "${dontAddPrefix:-}" ]; then
        flags+=("${prefixKey:---prefix=}$prefix")
    fi
    if [ -z "${dontDisableDependencyTracking:-}" ] && grep -q dependency-tracking "$configureScript" 2>/dev/null; then
        flags+=(--disable-dependency-tracking)
    fi
    # shellcheck disable=SC2206
    flags+=($configureFlags "${configureFlagsArray[@]}")
    echo "configure flags: ${flags[*]}"
    if head -n 1 "$configureScript" | grep -q '^#! *\(/bin/sh\|/usr/bin/env sh\)'; then
        "$SHELL" "$configureScript" "${flags[@]}"
    else
        "$configureScript" "${flags[@]}"
    fi
    runHook postConfigure
}

hasMakefile() {
    [ -n "${makefile:-}" ] || [ -f Makefile ] || [ -f makefile ] || [ -f GNUmakefile ]
}

makeFlagsCommon() {
    local flags=(${makefile:+-f "$makefile"} "SHELL=$SHELL")
    if [ -z "${dontParallelBuild:-}" ] && [ "${enableParallelBuilding:-1}" = 1 ]; then
        flags+=("-j$NIX_BUILD_CORES")
    fi
    # shellcheck disable=SC2206
    flags+=($makeFlags "${makeFlagsArray[@]}")
    printf '%s\n' "${flags[@]}"
}

buildPhase() {
    runHook preBuild
    if ! hasMakefile; then
        echo "no Makefile, doing nothing"
    else
        local flags
        mapfile -t flags < <(makeFlagsCommon)
        # shellcheck disable=SC2206
        flags+=($buildFlags "${buildFlagsArray[@]}")
        echo "build flags: ${flags[*]}"
        make "${flags[@]}"
    fi
    runHook postBuild
}

checkPhase() {
    runHook preCheck
    if ! hasMakefile; then
        echo "no Makefile, not checking"
        runHook postCheck
        return
    fi
    if [ -z "${checkTarget:-}" ]; then
        if make -n check >/dev/null 2>&1; then checkTarget=check
        elif make -n test >/dev/null 2>&1; then checkTarget=test
        fi
    fi
    if [ -z "${checkTarget:-}" ]; then
        echo "no check or test target in the Makefile, not checking"
    else
        local flags
        mapfile -t flags < <(makeFlagsCommon)
        # shellcheck disable=SC2206
        flags+=($checkFlags "${checkFlagsArray[@]}" $checkTarget)
        echo "check flags: ${flags[*]}"
        make "${flags[@]}"
    fi
    runHook postCheck
}

installPhase() {
    runHook preInstall
    mkdir -p "$prefix"
    if ! hasMakefile; then
        echo "error: no Makefile to install from; set installPhase" >&2
        return 1
    fi
    local flags
    mapfile -t flags < <(makeFlagsCommon)
    # shellcheck disable=SC2206
    flags+=($installFlags "${installFlagsArray[@]}" ${installTargets:-install})
    echo "install flags: ${flags[*]}"
    make "${flags[@]}"
    runHook postInstall
}

# The program `patchShebangs` puts in a `#!` line for NAME: a shell is
# $runtimeShell (the collection's bash, so scripts never need the
# bootstrap tools at run time); anything else is taken from the package's
# own outputs first, then from PATH.
shebangTarget() {
    local name="$1" output dir
    if [ -n "${runtimeShell:-}" ] && { [ "$name" = sh ] || [ "$name" = bash ]; }; then
        echo "$runtimeShell"
        return
    fi
    for output in $outputs; do
        for dir in bin sbin; do
            if [ -x "${!output}/$dir/$name" ]; then
                echo "${!output}/$dir/$name"
                return
            fi
        done
    done
    command -v "$name" || true
}

# `patchShebangs DIR…`: rewrites `#!/bin/sh`, `#!/usr/bin/env perl` and the
# like in executable files to programs in the store (see shebangTarget),
# so scripts run from the store and name their interpreter as a reference.
patchShebangs() {
    local file first interp args new
    while IFS= read -r -d '' file; do
        read -r first < "$file" 2>/dev/null || continue
        [[ "$first" == '#!'* ]] || continue
        read -r interp args <<< "${first#\#!}"
        case "$interp" in
            # Made with the build's SHELL (the bootstrap tools'): re-aim it.
            "$bootstrapTools"/*) ;;
            "$NIX_STORE"/*) continue ;;
            */env) interp="${args%% *}"; [ "$interp" = "$args" ] && args= || args="${args#* }" ;;
        esac
        new="$(shebangTarget "${interp##*/}")"
        if [ -z "$new" ] || [[ "$new" != "$NIX_STORE"/* ]]; then
            echo "patchShebangs: $file: no '${interp##*/}' in PATH, left as is" >&2
            continue
        fi
        echo "patchShebangs: $file: $interp -> $new"
        local rest
        rest="$(tail -n +2 "$file"; echo x)"
        rest="${rest%x}"
        local mode
        mode="$(stat -c %a "$file")"
        chmod u+w "$file"
        printf '#!%s%s\n%s' "$new" "${args:+ $args}" "$rest" > "$file.patched"
        mv "$file.patched" "$file"
        chmod "$mode" "$file"
    done < <(find "$@" -type f -perm -0100 -print0)
}

# RUNPATHs keep only the store directories that provide a needed library
# (and $ORIGIN ones): the stdenv's `$prefix/lib` in a package without
# libraries goes, and so does the build directory libtool leaves in
# relinked programs (`/build/pkg/.libs`). See build-support/shrink-rpath.
shrinkRpathDirs() {
    find "$@" -type f -print0 | xargs -0 -r "$shrinkRpath" "$NIX_STORE"
}

# Debug information names the build directory and the toolchain's headers.
stripDirs() {
    local file
    while IFS= read -r -d '' file; do
        if isStrippable "$file"; then
            strip ${stripFlags:--S} "$file" 2>/dev/null || echo "strip: could not strip $file" >&2
        fi
    done < <(find "$@" -type f -print0)
}

# Scripts made at build time name the build's tools by absolute path
# (configure found `grep` or `sort` in the bootstrap tools): they run with
# the programs of that name on PATH instead, as nixpkgs does with GREP=grep.
forgetBootstrapTools() {
    local file first
    while IFS= read -r -d '' file; do
        read -r first < "$file" 2>/dev/null || continue
        [[ "$first" == '#!'* ]] || continue
        grep -q "$bootstrapTools" "$file" || continue
        echo "forgetting the bootstrap tools' paths in $file"
        sed -i -e "s|$bootstrapTools/usr/bin/||g" -e "s|$bootstrapTools/bin/||g" "$file"
    done < <(find "$@" -type f -print0)
}

fixupPhase() {
    runHook preFixup
    local output dir
    for output in $outputs; do
        dir="${!output}"
        [ -e "$dir" ] || continue
        # GNU info's directory file would collide in every profile.
        rm -f "$dir/share/info/dir"
        if [ -z "${dontPatchELF:-}" ]; then
            local elfTargets=()
            for sub in lib lib32 lib64 libexec bin sbin; do
                [ -d "$dir/$sub" ] && elfTargets+=("$dir/$sub")
            done
            if [ "${#elfTargets[@]}" -gt 0 ]; then shrinkRpathDirs "${elfTargets[@]}"; fi
        fi
        if [ -z "${dontStrip:-}" ]; then
            local stripTargets=()
            for sub in ${stripDebugList:-lib lib32 lib64 libexec bin sbin}; do
                [ -d "$dir/$sub" ] && stripTargets+=("$dir/$sub")
            done
            if [ "${#stripTargets[@]}" -gt 0 ]; then stripDirs "${stripTargets[@]}"; fi
        fi
        if [ -z "${dontPatchShebangs:-}" ]; then
            patchShebangs "$dir"
            forgetBootstrapTools "$dir"
        fi
    done
    if [ -n "${propagatedBuildInputs:-}${propagatedNativeBuildInputs:-}" ]; then
        mkdir -p "$out/nix-support"
        echo $propagatedBuildInputs $propagatedNativeBuildInputs > "$out/nix-support/propagated-build-inputs"
    fi
    if [ -n "${setupHook:-}" ]; then
        mkdir -p "$out/nix-support"
        sed -e "s|@out@|$out|g" "$setupHook" > "$out/nix-support/setup-hook"
    fi
    runHook postFixup
}

installCheckPhase() {
    runHook preInstallCheck
    if hasMakefile && [ -n "${installCheckTarget:-}" ]; then
        local flags
        mapfile -t flags < <(makeFlagsCommon)
        make "${flags[@]}" $installCheckTarget
    fi
    runHook postInstallCheck
}

# Runs `$buildCommand`, or the phases in order.
genericBuild() {
    if [ -n "${buildCommandPath:-}" ]; then
        eval "$(< "$buildCommandPath")"
        return
    fi
    if [ -n "${buildCommand:-}" ]; then
        eval "$buildCommand"
        return
    fi
    if [ -z "${phases:-}" ]; then
        phases="${prePhases:-} unpackPhase patchPhase ${preConfigurePhases:-} \
            configurePhase ${preBuildPhases:-} buildPhase checkPhase \
            ${preInstallPhases:-} installPhase ${preFixupPhases:-} fixupPhase installCheckPhase \
            ${preDistPhases:-} ${postPhases:-}"
    fi
    local phase skip
    for phase in $phases; do
        skip=
        case "$phase" in
            unpackPhase) [ -n "${dontUnpack:-}" ] && skip=1 ;;
            patchPhase) [ -n "${dontPatch:-}" ] && skip=1 ;;
            configurePhase) [ -n "${dontConfigure:-}" ] && skip=1 ;;
            buildPhase) [ -n "${dontBuild:-}" ] && skip=1 ;;
            checkPhase) [ -z "${doCheck:-}" ] && skip=1 ;;
            installPhase) [ -n "${dontInstall:-}" ] && skip=1 ;;
            fixupPhase) [ -n "${dontFixup:-}" ] && skip=1 ;;
            installCheckPhase) [ -z "${doInstallCheck:-}" ] && skip=1 ;;
        esac
        [ -n "$skip" ] && continue
        showPhaseHeader "$phase"
        if [ -n "${!phase:-}" ]; then
            # The phase was given as shell code (`buildPhase = "…"`).
            eval "${!phase}"
        else
            "$phase"
        fi
        # Phases may cd; the next one starts where this one ended, as in nixpkgs.
    done
}

runHook postHook
