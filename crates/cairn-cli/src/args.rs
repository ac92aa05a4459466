//! The command line's shape, as clap derive types. Doc comments here are the
//! `--help` text.

use std::path::PathBuf;

use cairn_hash::{Encoding, HashAlgo};
use clap::{Args, Parser, Subcommand, ValueEnum};

/// cairn: a Nix-compatible package manager.
#[derive(Debug, Parser)]
#[command(
    name = "cairn",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// Override a setting from cairn.conf, e.g. `--option store-dir /tmp/store`.
    #[arg(
        long = "option",
        global = true,
        num_args = 2,
        value_names = ["NAME", "VALUE"],
        action = clap::ArgAction::Append
    )]
    pub options: Vec<String>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The command groups.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Evaluate a Nix expression and print its value, like
    /// `nix-instantiate --eval`.
    Eval(EvalArgs),
    /// Evaluate Nix expressions interactively, like `nix repl`.
    Repl,
    /// Write an expression's derivations to the store, like `nix-instantiate`.
    ///
    /// Prints their `.drv` paths (`DRV!OUTPUT` for another output).
    Instantiate(InstantiateArgs),
    /// Evaluate, instantiate and build an expression, like `nix-build`.
    ///
    /// Prints the output paths and links `./result` to them (GC roots).
    Build(BuildArgs),
    /// Compute and convert cryptographic hashes.
    #[command(subcommand)]
    Hash(HashCommand),
    /// Add, query, verify and collect store objects; dump and restore NARs.
    #[command(subcommand)]
    Store(StoreCommand),
    /// Inspect NAR archives.
    #[command(subcommand)]
    Nar(NarCommand),
    /// Inspect store derivations (.drv files).
    #[command(subcommand)]
    Derivation(DerivationCommand),
    /// Read and relocate ELF files (interpreter, RUNPATH), like patchelf.
    #[command(subcommand)]
    Elf(ElfCommand),
    /// Create and convert signing keys for binary caches.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Show the settings from cairn.conf, the environment and `--option`.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Work with profiles and their generations: history, rollback,
    /// switch, delete.
    Profile(ProfileArgs),
    /// Debian packages for the bootstrap: lock them from apt's lists,
    /// unpack `.deb`s.
    #[command(subcommand)]
    Pkgs(PkgsCommand),
    /// Search the package collection by name and description, like
    /// `nix search`.
    Search(SearchArgs),
    /// Build, switch to and roll back the machine declared in
    /// configuration.nix.
    System(SystemArgs),
}

/// `cairn search …`
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Case-insensitive POSIX extended regular expressions that must all
    /// match a package's attribute name, package name or description;
    /// without any, every package is listed.
    #[arg(value_name = "REGEX")]
    pub regex: Vec<String>,
    /// Search this collection (a Nix file, or a directory with a
    /// `default.nix`) instead of the one of the `collection` setting.
    #[arg(short = 'f', long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Print a JSON object keyed by attribute name.
    #[arg(long)]
    pub json: bool,
    /// Where the store is (only read, and only if the collection needs it).
    #[command(flatten)]
    pub store: StoreLocation,
}

/// `cairn eval …`
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The file to evaluate (a directory means its `default.nix`); without
    /// a file or `-E`, `./default.nix`.
    pub file: Option<PathBuf>,
    /// Evaluate this expression instead of a file.
    #[arg(
        short = 'E',
        long = "expr",
        value_name = "EXPR",
        conflicts_with = "file"
    )]
    pub expr: Option<String>,
    /// Select this attribute path (`a.b.0.c`) of the value; repeatable.
    #[arg(short = 'A', long = "attr", value_name = "ATTRPATH")]
    pub attr: Vec<String>,
    /// Evaluate the whole value, not just its outermost layer.
    #[arg(long)]
    pub strict: bool,
    /// Print the value as JSON (implies `--strict`).
    #[arg(long, conflicts_with = "xml")]
    pub json: bool,
    /// Print the value as XML, like `nix-instantiate --eval --xml`.
    #[arg(long)]
    pub xml: bool,
    /// Leave source positions out of the XML output.
    #[arg(long, requires = "xml")]
    pub no_location: bool,
    /// Pass `NAME = EXPR` to the value when it is a function taking a set.
    #[arg(long = "arg", num_args = 2, value_names = ["NAME", "EXPR"], action = clap::ArgAction::Append)]
    pub args: Vec<String>,
    /// Pass `NAME = "STRING"` to the value when it is a function taking a set.
    #[arg(long = "argstr", num_args = 2, value_names = ["NAME", "STRING"], action = clap::ArgAction::Append)]
    pub argstrs: Vec<String>,
    /// Add a search path entry for `<name>` lookups (`PATH` or
    /// `PREFIX=PATH`), before those of `NIX_PATH`.
    #[arg(short = 'I', long = "include", value_name = "PATH")]
    pub include: Vec<String>,
    /// On errors, show every `while evaluating …` frame, with positions,
    /// including the function calls the error went through.
    #[arg(long)]
    pub show_trace: bool,
    /// Write what the evaluation makes (`.drv` files, `toFile` results,
    /// imported sources) to the store, as `nix-instantiate --eval
    /// --read-write-mode`; by default paths are only computed.
    #[arg(long)]
    pub read_write_mode: bool,
    /// Where the store is: `--read-write-mode` writes to it; without it,
    /// it is only read (input `.drv` files the evaluation did not make).
    #[command(flatten)]
    pub store: StoreLocation,
}

/// `cairn config …`
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print every setting after merging all sources, like
    /// `nix show-config`.
    Show {
        /// Print a JSON object instead of `NAME = VALUE` lines.
        #[arg(long)]
        json: bool,
    },
}

/// `cairn hash …`
#[derive(Debug, Subcommand)]
pub enum HashCommand {
    /// Print the hash of the NAR serialisation of each path.
    Path(HashPathArgs),
    /// Print the hash of the contents of each regular file.
    File(HashPathArgs),
    /// Convert hashes between encodings.
    Convert(HashConvertArgs),
    /// Print hashes in base-16 (Nix 2.8's `nix hash to-base16`).
    #[command(name = "to-base16", hide = true)]
    ToBase16(HashToArgs),
    /// Print hashes in nix32 (Nix 2.8's `nix hash to-base32`).
    #[command(name = "to-base32", hide = true)]
    ToBase32(HashToArgs),
    /// Print hashes in base-64 (Nix 2.8's `nix hash to-base64`).
    #[command(name = "to-base64", hide = true)]
    ToBase64(HashToArgs),
    /// Print hashes in SRI form (Nix 2.8's `nix hash to-sri`).
    #[command(name = "to-sri", hide = true)]
    ToSri(HashToArgs),
}

/// Arguments of `cairn hash path` and `cairn hash file`.
#[derive(Debug, Args)]
pub struct HashPathArgs {
    /// The hash algorithm.
    #[arg(long = "type", value_name = "ALGO", value_enum, default_value_t = AlgoArg::Sha256)]
    pub algo: AlgoArg,

    /// How to print the hash.
    #[command(flatten)]
    pub format: OutputFormatArgs,

    /// The files or directories to hash.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

/// `--sri`, `--base16`, `--base32`/`--nix32`, `--base64`; the last one given
/// wins, as in Nix.
#[derive(Debug, Args)]
pub struct OutputFormatArgs {
    /// Print the hash in SRI form, `ALGO-BASE64` (the default).
    #[arg(long, overrides_with_all = ["base16", "base32", "base64"])]
    pub sri: bool,
    /// Print the hash in base-16.
    #[arg(long, overrides_with_all = ["sri", "base32", "base64"])]
    pub base16: bool,
    /// Print the hash in Nix's base-32.
    #[arg(long, visible_alias = "nix32", overrides_with_all = ["sri", "base16", "base64"])]
    pub base32: bool,
    /// Print the hash in base-64.
    #[arg(long, overrides_with_all = ["sri", "base16", "base32"])]
    pub base64: bool,
}

impl OutputFormatArgs {
    /// The chosen encoding.
    #[must_use]
    pub fn encoding(&self) -> Encoding {
        if self.base16 {
            Encoding::Base16
        } else if self.base32 {
            Encoding::Nix32
        } else if self.base64 {
            Encoding::Base64
        } else {
            Encoding::Sri
        }
    }
}

/// Arguments of `cairn hash convert`.
#[derive(Debug, Args)]
pub struct HashConvertArgs {
    /// The encoding the hashes must be in; any encoding when omitted.
    #[arg(long, value_name = "ENCODING", value_enum)]
    pub from: Option<EncodingArg>,

    /// The encoding to print.
    #[arg(long, value_name = "ENCODING", value_enum, default_value_t = EncodingArg::Sri)]
    pub to: EncodingArg,

    /// The algorithm of hashes that do not name one.
    #[arg(
        long = "type",
        visible_alias = "hash-algo",
        value_name = "ALGO",
        value_enum
    )]
    pub algo: Option<AlgoArg>,

    /// The hashes to convert.
    #[arg(required = true, value_name = "HASH")]
    pub hashes: Vec<String>,
}

/// Arguments of the Nix 2.8 `to-*` conversions.
#[derive(Debug, Args)]
pub struct HashToArgs {
    /// The algorithm of hashes that do not name one.
    #[arg(long = "type", value_name = "ALGO", value_enum)]
    pub algo: Option<AlgoArg>,

    /// The hashes to convert.
    #[arg(required = true, value_name = "HASH")]
    pub hashes: Vec<String>,
}

/// `cairn store …`
#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Write the NAR serialisation of a path to standard output.
    Dump {
        /// The file, directory or symlink to serialise.
        path: PathBuf,
    },
    /// Unpack a NAR from standard input into a new path.
    Restore {
        /// Where to create the unpacked file, directory or symlink; must not
        /// exist.
        path: PathBuf,
    },
    /// Build derivations (or check that paths are valid) and print their
    /// output paths, like `nix-store --realise`.
    Realise(RealiseArgs),
    /// Print the build log of a derivation or of a path it built, like
    /// `nix-store --read-log`.
    Log(LogArgs),
    /// Add files or directories to the store and print their store paths,
    /// like `nix-store --add`.
    Add(StoreAddArgs),
    /// Show what the store knows about paths (hash, size, references),
    /// like `nix path-info`.
    PathInfo(PathInfoArgs),
    /// Query references, referrers, closures, derivers or roots, like
    /// `nix-store --query`.
    Query(QueryArgs),
    /// Delete unreachable paths, like `nix-store --gc`.
    Gc(GcArgs),
    /// Delete specific paths, refusing those that are still alive, like
    /// `nix-store --delete`.
    Delete(DeleteArgs),
    /// Check the store against its database, like `nix-store --verify`.
    Verify(VerifyArgs),
    /// Hard-link identical files in the store, like `nix-store --optimise`.
    Optimise(OptimiseArgs),
    /// Show a chain of references from one path to another, like
    /// `nix why-depends`.
    WhyDepends(WhyDependsArgs),
    /// Show the GC root and the references that keep a path alive.
    WhyAlive(WhyAliveArgs),
    /// List the files of a store path, like `nix store ls`.
    Ls(StoreLsArgs),
    /// Print a file of a store path, like `nix store cat`.
    Cat(StoreCatArgs),
    /// Download a file into the store and print its hash, like
    /// `nix-prefetch-url` (`mirror://NAME/…` URLs use the `mirrors.NAME`
    /// setting).
    PrefetchUrl(PrefetchUrlArgs),
}

/// `cairn nar …`
#[derive(Debug, Subcommand)]
pub enum NarCommand {
    /// List a path inside a NAR file, like `ls`.
    Ls(NarLsArgs),
}

/// Arguments of `cairn nar ls`.
#[derive(Debug, Args)]
pub struct NarLsArgs {
    /// The NAR file.
    pub nar: PathBuf,

    /// The path inside the NAR, starting with `/`.
    #[arg(default_value = "/", value_name = "PATH-IN-NAR")]
    pub path: String,

    /// Show the type, permissions and size of each entry.
    #[arg(short, long)]
    pub long: bool,

    /// List subdirectories recursively.
    #[arg(short = 'R', long)]
    pub recursive: bool,

    /// Show directories themselves rather than their contents.
    #[arg(short, long, conflicts_with = "json")]
    pub directory: bool,

    /// Print JSON, like `nix nar ls --json`.
    #[arg(long)]
    pub json: bool,
}

/// `cairn derivation …`
#[derive(Debug, Subcommand)]
pub enum DerivationCommand {
    /// Print store derivations as JSON, like `nix show-derivation`.
    Show {
        /// The .drv files.
        #[arg(required = true, value_name = "DRV")]
        paths: Vec<PathBuf>,
    },
}

/// `cairn key …`
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Generate an ed25519 signing key pair.
    Generate {
        /// The key's name, conventionally the cache's host name and a
        /// number, e.g. `cache.example.org-1`.
        #[arg(long)]
        name: String,
        /// Write the secret key to this file (created with mode 0600)
        /// instead of standard output.
        #[arg(long, value_name = "FILE")]
        out_secret: Option<PathBuf>,
        /// Also write the public key to this file.
        #[arg(long, value_name = "FILE")]
        out_public: Option<PathBuf>,
    },
    /// Read a secret key from standard input and print its public key.
    Public,
}

/// `cairn profile …`
#[derive(Debug, Args)]
pub struct ProfileArgs {
    /// The profile to work on; by default the one
    /// `~/.local/state/cairn/profile` points to (created on first use as a
    /// link to `ROOT/nix/var/cairn/profiles/per-user/$USER/profile`).
    #[arg(long, short = 'p', global = true, value_name = "PATH")]
    pub profile: Option<PathBuf>,
    /// The store's root directory: objects live under `DIR/nix/store`,
    /// profiles under `DIR/nix/var/cairn/profiles`. Default: `/` for root,
    /// `~/.local/share/cairn` for other users.
    #[arg(long, global = true, value_name = "DIR")]
    pub store: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: ProfileCommand,
}

/// The `cairn profile` subcommands.
#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// List what the current generation contains (its user-environment
    /// manifest).
    List {
        /// Print the manifest's elements as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the generations, like `nix-env --list-generations`.
    History {
        /// Print a JSON array instead of lines.
        #[arg(long)]
        json: bool,
        /// Under each generation, what changed since the one before it
        /// (packages and closure size, as `cairn profile diff` shows).
        #[arg(long)]
        diff: bool,
    },
    /// Switch to the generation before the current one.
    Rollback,
    /// Switch to generation N.
    Switch {
        /// The generation number.
        #[arg(value_name = "N")]
        number: u64,
    },
    /// Delete generations (never the current one), like `nix-env
    /// --delete-generations`: numbers, `+K` (keep the current one and the
    /// K-1 before it), `Nd` (older than N days) or `old` (all but the
    /// current one).
    DeleteGenerations {
        /// Generation numbers, or one `+K`, `Nd` or `old`.
        #[arg(
            value_name = "GENERATIONS",
            required_unless_present = "older_than",
            conflicts_with = "older_than"
        )]
        generations: Vec<String>,
        /// Delete generations older than this many days, e.g. `30d`.
        #[arg(long, value_name = "DAYS")]
        older_than: Option<String>,
        /// Show what would be deleted without deleting it.
        #[arg(long)]
        dry_run: bool,
    },
    /// Delete every generation except the current one.
    WipeHistory {
        /// Show what would be deleted without deleting it.
        #[arg(long)]
        dry_run: bool,
    },
    /// Compare two closures per package (added, removed, version changes,
    /// size), like `nvd diff`. Each side is a generation number, a store
    /// path, or a symlink into the store (`./result`, another profile);
    /// by default the generation before the current one and the current
    /// one.
    Diff {
        /// The old side (default: the generation before the current one).
        #[arg(value_name = "FROM")]
        from: Option<String>,
        /// The new side (default: the current generation).
        #[arg(value_name = "TO")]
        to: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Install packages into the profile's user environment, as one new
    /// generation: store paths, `.drv` files (built first), or the
    /// derivations of an expression (`-f FILE -A ATTR`, `-E EXPR`),
    /// evaluated and built as `cairn build` does. An installed package
    /// with the same name is replaced.
    Install {
        /// Store paths or `.drv` files; with `-f`/`-E`, nothing.
        #[arg(value_name = "STORE_PATH", required_unless_present_any = ["file", "expr"])]
        paths: Vec<String>,
        /// Their priority when two packages provide the same file: the
        /// lower number wins (default: `meta.priority`, else 5).
        #[arg(long, value_name = "N")]
        priority: Option<i64>,
        /// Evaluate this file (a directory means its `default.nix`).
        #[arg(short = 'f', long, value_name = "FILE", conflicts_with_all = ["expr", "paths"])]
        file: Option<PathBuf>,
        /// Evaluate this expression.
        #[arg(
            short = 'E',
            long = "expr",
            value_name = "EXPR",
            conflicts_with = "paths"
        )]
        expr: Option<String>,
        /// Install the derivations at these attribute paths of the value
        /// (all of its derivations without `-A`); repeatable.
        #[arg(short = 'A', long = "attr", value_name = "ATTRPATH")]
        attr: Vec<String>,
        /// Add a search path entry for `<name>` lookups.
        #[arg(short = 'I', long = "include", value_name = "PATH")]
        include: Vec<String>,
        /// How to build.
        #[command(flatten)]
        flags: BuildFlags,
    },
    /// Re-evaluate packages installed from a file and replace those with
    /// a newer version (all of them without NAME), as one new generation,
    /// like `nix-env -u`.
    Upgrade {
        /// Package names, as `cairn profile list` shows them.
        #[arg(value_name = "NAME")]
        names: Vec<String>,
        /// Also replace a package whose version is the same or older
        /// (when its store path changed).
        #[arg(long, conflicts_with = "always")]
        leq: bool,
        /// Replace every re-evaluated package whose store path changed,
        /// whatever its version.
        #[arg(long)]
        always: bool,
        /// Add a search path entry for `<name>` lookups.
        #[arg(short = 'I', long = "include", value_name = "PATH")]
        include: Vec<String>,
        /// How to build.
        #[command(flatten)]
        flags: BuildFlags,
    },
    /// Remove installed packages by name, as a new generation.
    Remove {
        /// Package names, as `cairn profile list` shows them.
        #[arg(required = true, value_name = "NAME")]
        names: Vec<String>,
    },
    /// Make a valid store path the profile's new generation and switch to
    /// it, like `nix-env --set`.
    Set {
        /// The store path.
        #[arg(value_name = "STORE_PATH")]
        path: String,
    },
}

/// A hash algorithm on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AlgoArg {
    /// MD5.
    Md5,
    /// SHA-1.
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-512.
    Sha512,
}

impl From<AlgoArg> for HashAlgo {
    fn from(algo: AlgoArg) -> HashAlgo {
        match algo {
            AlgoArg::Md5 => HashAlgo::Md5,
            AlgoArg::Sha1 => HashAlgo::Sha1,
            AlgoArg::Sha256 => HashAlgo::Sha256,
            AlgoArg::Sha512 => HashAlgo::Sha512,
        }
    }
}

/// A hash encoding on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EncodingArg {
    /// Lowercase hexadecimal.
    Base16,
    /// Nix's base-32.
    #[value(alias = "base32")]
    Nix32,
    /// Base-64.
    Base64,
    /// `ALGO-BASE64`.
    Sri,
}

impl From<EncodingArg> for Encoding {
    fn from(encoding: EncodingArg) -> Encoding {
        match encoding {
            EncodingArg::Base16 => Encoding::Base16,
            EncodingArg::Nix32 => Encoding::Nix32,
            EncodingArg::Base64 => Encoding::Base64,
            EncodingArg::Sri => Encoding::Sri,
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn last_format_flag_wins() {
        let cli = Cli::parse_from(["cairn", "hash", "file", "--base16", "--sri", "x"]);
        let Command::Hash(HashCommand::File(args)) = cli.command else {
            panic!("parsed as {cli:?}");
        };
        assert_eq!(args.format.encoding(), Encoding::Sri);
    }
}

/// `cairn instantiate …`
#[derive(Debug, Args)]
pub struct InstantiateArgs {
    /// The file to evaluate (a directory means its `default.nix`); without
    /// a file or `-E`, `./default.nix`.
    pub file: Option<PathBuf>,
    /// Evaluate this expression instead of a file.
    #[arg(
        short = 'E',
        long = "expr",
        value_name = "EXPR",
        conflicts_with = "file"
    )]
    pub expr: Option<String>,
    /// Select this attribute path (`a.b.0.c`) of the value; repeatable.
    #[arg(short = 'A', long = "attr", value_name = "ATTRPATH")]
    pub attr: Vec<String>,
    /// Pass `NAME = EXPR` to the value when it is a function taking a set.
    #[arg(long = "arg", num_args = 2, value_names = ["NAME", "EXPR"], action = clap::ArgAction::Append)]
    pub args: Vec<String>,
    /// Pass `NAME = "STRING"` to the value when it is a function taking a set.
    #[arg(long = "argstr", num_args = 2, value_names = ["NAME", "STRING"], action = clap::ArgAction::Append)]
    pub argstrs: Vec<String>,
    /// Add a search path entry for `<name>` lookups (`PATH` or
    /// `PREFIX=PATH`), before those of `NIX_PATH`.
    #[arg(short = 'I', long = "include", value_name = "PATH")]
    pub include: Vec<String>,
    /// On errors, show every `while evaluating …` frame.
    #[arg(long)]
    pub show_trace: bool,
    /// Where the store is.
    #[command(flatten)]
    pub store: StoreLocation,
}

/// `cairn build …`
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// What to evaluate and where the store is.
    #[command(flatten)]
    pub input: InstantiateArgs,
    /// Make LINK a symlink to the result and a GC root (`LINK-dev` for
    /// output `dev`, `LINK-2` for the second derivation); default `result`.
    #[arg(short = 'o', long = "out-link", value_name = "LINK")]
    pub out_link: Option<PathBuf>,
    /// Make no result link.
    #[arg(long, conflicts_with = "out_link")]
    pub no_link: bool,
    /// How to build.
    #[command(flatten)]
    pub flags: BuildFlags,
}

/// Which store to use.
#[derive(Debug, Args)]
pub struct StoreLocation {
    /// Use the store under DIR (files in DIR/nix/store, state in
    /// DIR/nix/var/cairn); default: `/` for root, `~/.local/share/cairn`
    /// otherwise.
    #[arg(long, value_name = "DIR")]
    pub store: Option<PathBuf>,
}

/// Flags shared by the commands that build.
#[derive(Debug, Args)]
pub struct BuildFlags {
    /// Run at most N builds at once (the `max-jobs` setting).
    #[arg(short = 'j', long = "max-jobs", value_name = "N")]
    pub max_jobs: Option<usize>,
    /// Tell builders to use N cores (`NIX_BUILD_CORES`; 0: all).
    #[arg(long, value_name = "N")]
    pub cores: Option<u32>,
    /// Keep the build directory of a failed build.
    #[arg(short = 'K', long)]
    pub keep_failed: bool,
    /// Keep building what does not depend on a failed build.
    #[arg(short = 'k', long)]
    pub keep_going: bool,
    /// Kill a build that runs longer than SECONDS.
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<u64>,
    /// Kill a build that prints nothing for SECONDS.
    #[arg(long, value_name = "SECONDS")]
    pub max_silent_time: Option<u64>,
    /// Rebuild already-valid outputs and report any difference.
    #[arg(long)]
    pub check: bool,
    /// Show the builders' output as it arrives.
    #[arg(short = 'L', long)]
    pub print_build_logs: bool,
}

/// Arguments of `cairn store realise`.
#[derive(Debug, Args)]
pub struct RealiseArgs {
    /// Store paths: `.drv` files (all outputs, or `DRV!out,dev`), or paths
    /// that must be valid.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<String>,
    /// Make LINK a symlink to the result and a GC root (`LINK-dev` for
    /// output `dev`, `LINK-2` for the second path).
    #[arg(short = 'o', long = "out-link", value_name = "LINK")]
    pub out_link: Option<PathBuf>,
    /// Make no result link.
    #[arg(long, conflicts_with = "out_link")]
    pub no_link: bool,
    /// Where the store is.
    #[command(flatten)]
    pub store: StoreLocation,
    /// How to build.
    #[command(flatten)]
    pub flags: BuildFlags,
}

/// Arguments of `cairn store log`.
#[derive(Debug, Args)]
pub struct LogArgs {
    /// A `.drv`, or a path built from one.
    pub path: String,
    /// Where the store is.
    #[command(flatten)]
    pub store: StoreLocation,
}

/// Arguments of `cairn store add`.
#[derive(Debug, Args)]
pub struct StoreAddArgs {
    /// The files or directories to add.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Hash the file's contents instead of its NAR serialisation (a
    /// single regular file; like `nix-store --add-fixed`).
    #[arg(long)]
    pub flat: bool,
    /// The store path's name (default: the file name of PATH).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// The hash algorithm of the content address.
    #[arg(long = "type", value_name = "ALGO", value_enum, default_value_t = AlgoArg::Sha256)]
    pub algo: AlgoArg,
    /// Where the store is.
    #[command(flatten)]
    pub store: StoreLocation,
}

/// Arguments of `cairn store prefetch-url`.
#[derive(Debug, Args)]
pub struct PrefetchUrlArgs {
    /// The URL: `file://`, `http://`, or `mirror://NAME/PATH`.
    pub url: String,
    /// The expected hash: nothing is downloaded when its path is already
    /// valid, and a download with another hash is an error.
    pub hash: Option<String>,
    /// The hash algorithm.
    #[arg(long = "type", value_name = "ALGO", value_enum, default_value_t = AlgoArg::Sha256)]
    pub algo: AlgoArg,
    /// Print the store path on standard output too, after the hash.
    #[arg(long)]
    pub print_path: bool,
    /// Unpack the tar archive and add the result (hashed as a NAR).
    #[arg(long)]
    pub unpack: bool,
    /// Make the file executable (hashed as a NAR).
    #[arg(long, conflicts_with = "unpack")]
    pub executable: bool,
    /// The store path's name (default: the URL's last component).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Where the store is.
    #[command(flatten)]
    pub store: StoreLocation,
}

/// Arguments of `cairn store path-info`.
#[derive(Debug, Args)]
pub struct PathInfoArgs {
    /// Store paths (or symlinks into the store, like `./result`).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Print JSON, like `nix path-info --json`.
    #[arg(long)]
    pub json: bool,
    /// Include the closure of the paths.
    #[arg(short, long)]
    pub recursive: bool,
    /// Show the NAR size of each path.
    #[arg(short = 's', long = "size")]
    pub size: bool,
    /// Show the closure size of each path.
    #[arg(short = 'S', long = "closure-size")]
    pub closure_size: bool,
    /// Where the store is.
    #[command(flatten)]
    pub store: StoreLocation,
}

/// Arguments of `cairn store query`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("query").required(true)))]
pub struct QueryArgs {
    /// The paths to ask about.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The paths each refers to.
    #[arg(long, group = "query")]
    pub references: bool,
    /// The valid paths that refer to each.
    #[arg(long, group = "query")]
    pub referrers: bool,
    /// The closure: each path and everything it refers to, recursively.
    #[arg(long, short = 'R', visible_alias = "closure", group = "query")]
    pub requisites: bool,
    /// The derivation each was built from.
    #[arg(long, group = "query")]
    pub deriver: bool,
    /// The GC roots whose closure contains each path.
    #[arg(long, group = "query")]
    pub roots: bool,
    /// The root and the references that keep each path alive.
    #[arg(long, group = "query")]
    pub why_alive: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Where the store is.
    #[command(flatten)]
    pub store: StoreLocation,
}

/// Arguments of `cairn store gc`.
#[derive(Debug, Args)]
pub struct GcArgs {
    /// Stop after freeing this many bytes (suffixes K, M, G, T).
    #[arg(long, value_name = "BYTES", value_parser = parse_bytes)]
    pub max_freed: Option<u64>,
    /// Print the paths that would be deleted, and delete nothing.
    #[arg(long, conflicts_with = "print_live")]
    pub print_dead: bool,
    /// Print the paths that are alive, and delete nothing.
    #[arg(long)]
    pub print_live: bool,
    /// Same as `--print-dead`.
    #[arg(long, conflicts_with = "print_live")]
    pub dry_run: bool,
    /// Print the GC roots (`LINK -> PATH`), and delete nothing.
    #[arg(long, conflicts_with_all = ["print_dead", "print_live", "dry_run", "max_freed"])]
    pub print_roots: bool,
    /// Print JSON (with `--print-dead`/`--print-live`, the paths; else a
    /// summary object).
    #[arg(long)]
    pub json: bool,
    /// Where the store is.
    #[command(flatten)]
    pub store: StoreLocation,
}

/// Arguments of `cairn store delete`.
#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// The store paths to delete.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Where the store is.
    #[command(flatten)]
    pub store: StoreLocation,
}

/// Arguments of `cairn store verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Also hash every path and compare with its registered NAR hash.
    #[arg(long)]
    pub check_contents: bool,
    /// Repair what can be repaired without a copy from elsewhere.
    #[arg(long)]
    pub repair: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Where the store is.
    #[command(flatten)]
    pub store: StoreLocation,
}

/// Arguments of `cairn store optimise`.
#[derive(Debug, Args)]
pub struct OptimiseArgs {
    /// Where the store is.
    #[command(flatten)]
    pub store: StoreLocation,
}

/// Arguments of `cairn store why-depends`.
#[derive(Debug, Args)]
pub struct WhyDependsArgs {
    /// The path that depends.
    #[arg(value_name = "PATH")]
    pub from: PathBuf,
    /// The dependency.
    #[arg(value_name = "DEPENDENCY")]
    pub to: PathBuf,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Where the store is.
    #[command(flatten)]
    pub store: StoreLocation,
}

/// Arguments of `cairn store why-alive`.
#[derive(Debug, Args)]
pub struct WhyAliveArgs {
    /// The store path.
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Where the store is.
    #[command(flatten)]
    pub store: StoreLocation,
}

/// Arguments of `cairn store ls`.
#[derive(Debug, Args)]
pub struct StoreLsArgs {
    /// A store path, or a path inside one.
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    /// Show the type, permissions and size of each entry.
    #[arg(short, long)]
    pub long: bool,
    /// List subdirectories recursively.
    #[arg(short = 'R', long)]
    pub recursive: bool,
    /// Print JSON, like `nix store ls --json`.
    #[arg(long)]
    pub json: bool,
    /// Where the store is.
    #[command(flatten)]
    pub store: StoreLocation,
}

/// Arguments of `cairn store cat`.
#[derive(Debug, Args)]
pub struct StoreCatArgs {
    /// A regular file in a store path.
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    /// Where the store is.
    #[command(flatten)]
    pub store: StoreLocation,
}

/// Parses a byte count with an optional K, M, G or T suffix (powers of
/// 1024), as Nix's `--max-freed` does.
fn parse_bytes(text: &str) -> Result<u64, String> {
    let (digits, shift) = match text.as_bytes().last() {
        Some(b'K' | b'k') => (&text[..text.len() - 1], 10),
        Some(b'M' | b'm') => (&text[..text.len() - 1], 20),
        Some(b'G' | b'g') => (&text[..text.len() - 1], 30),
        Some(b'T' | b't') => (&text[..text.len() - 1], 40),
        _ => (text, 0),
    };
    let number: u64 = digits
        .parse()
        .map_err(|_| format!("'{text}' is not a byte count like 500M"))?;
    number
        .checked_mul(1 << shift)
        .ok_or_else(|| format!("'{text}' is too large"))
}

/// `cairn pkgs …`
#[derive(Debug, Subcommand)]
pub enum PkgsCommand {
    /// Pin Debian packages for the bootstrap: resolve the names in a
    /// package list against the host's apt lists and write a lock file of
    /// exact `.deb`s (version, size, SHA-256, archive path).
    Lock(PkgsLockArgs),
    /// Unpack a `.deb` into a new directory, as the bootstrap does
    /// (refusing unsafe archives).
    UnpackDeb(PkgsUnpackDebArgs),
}

/// Arguments of `cairn pkgs lock`.
#[derive(Debug, Args)]
pub struct PkgsLockArgs {
    /// The package list: one `NAME` or `NAME=VERSION` per line, `#`
    /// comments.
    #[arg(long, value_name = "FILE")]
    pub packages: PathBuf,
    /// The lock file to write. Packages already in it keep their pins
    /// unless `--update` is given.
    #[arg(long, value_name = "LOCK")]
    pub output: PathBuf,
    /// Re-resolve every package to the newest version in the apt lists.
    #[arg(long)]
    pub update: bool,
    /// The Debian release whose suites are searched (it, `-updates`,
    /// `-security`, `-backports`, as far as apt is configured for them).
    #[arg(long, value_name = "CODENAME", default_value = "bookworm")]
    pub release: String,
    /// The Debian architecture (default: the host's).
    #[arg(long, value_name = "ARCH")]
    pub architecture: Option<String>,
    /// apt's configuration directory (its `sources.list` and
    /// `sources.list.d/`).
    #[arg(long, value_name = "DIR", default_value = "/etc/apt")]
    pub apt_dir: PathBuf,
    /// apt's downloaded lists (`apt-get update` fills it).
    #[arg(long, value_name = "DIR", default_value = "/var/lib/apt/lists")]
    pub apt_lists: PathBuf,
}

/// Arguments of `cairn pkgs unpack-deb`.
#[derive(Debug, Args)]
pub struct PkgsUnpackDebArgs {
    /// The `.deb` file.
    #[arg(value_name = "FILE.deb")]
    pub deb: PathBuf,
    /// The directory to create (or an empty one).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

/// `cairn elf …`
#[derive(Debug, Subcommand)]
pub enum ElfCommand {
    /// Print the kind, interpreter, soname, RPATH/RUNPATH and needed
    /// libraries.
    Print {
        /// The ELF file.
        file: PathBuf,
    },
    /// Set the interpreter (`PT_INTERP`), growing the file if needed.
    SetInterpreter {
        /// The ELF file, edited in place.
        file: PathBuf,
        /// The new dynamic loader.
        interpreter: PathBuf,
    },
    /// Set the library search path (written as `DT_RUNPATH`).
    SetRpath {
        /// The ELF file, edited in place.
        file: PathBuf,
        /// Colon-separated directories.
        rpath: String,
    },
    /// Remove `DT_RPATH` and `DT_RUNPATH`.
    RemoveRpath {
        /// The ELF file, edited in place.
        file: PathBuf,
    },
    /// Keep only the search path directories that provide a needed library.
    ShrinkRpath {
        /// The ELF file, edited in place.
        file: PathBuf,
    },
}

/// `cairn system …`
#[derive(Debug, Args)]
pub struct SystemArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: SystemCommand,
}

/// The `cairn system` commands.
#[derive(Debug, Subcommand)]
pub enum SystemCommand {
    /// Build the configuration's system and print its store path.
    Build(ConfigArgs),
    /// Build, activate, and make it the next generation (and boot default).
    Switch(ConfigArgs),
    /// Build and make it the next generation and boot default, without
    /// activating it now.
    Boot(ConfigArgs),
    /// Build and activate, without making a generation.
    Test(ConfigArgs),
    /// Build and print what activating it would change.
    DryActivate(ConfigArgs),
    /// Activate an already-built system (a toplevel) into the root; what
    /// `TOPLEVEL/activate` and stage 2 run.
    Activate(ActivateArgs),
    /// Activate the previous generation and make it current.
    Rollback(RootArgs),
    /// List the system's generations.
    Generations(ReadArgs),
    /// Compare the current system with the configuration, or two
    /// generations.
    Diff(DiffArgs),
    /// Report drift: what was changed by hand since the last activation.
    Status(ReadArgs),
}

/// Where the system lives.
#[derive(Debug, Args)]
pub struct RootArgs {
    /// The root directory of the machine (a scratch root for tests and
    /// installs); its store is ROOT/nix/store.
    #[arg(long, value_name = "DIR", default_value = "/")]
    pub root: PathBuf,
    /// Use the store under DIR instead of the root's own (ROOT/nix/store);
    /// the system profile stays under ROOT.
    #[arg(long, value_name = "DIR")]
    pub store: Option<PathBuf>,
}

/// `cairn system activate`.
#[derive(Debug, Args)]
pub struct ActivateArgs {
    /// The system: its store path, or a link to it (`./result`).
    #[arg(value_name = "TOPLEVEL")]
    pub toplevel: PathBuf,
    /// Where the system lives.
    #[command(flatten)]
    pub root: RootArgs,
    /// Also make it the next generation of the system profile (unless it
    /// is the current one) and rewrite the boot menu, as `switch` does.
    #[arg(long)]
    pub make_generation: bool,
}

/// Commands that only read.
#[derive(Debug, Args)]
pub struct ReadArgs {
    /// Where the system lives.
    #[command(flatten)]
    pub root: RootArgs,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Commands that build a configuration.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// The configuration (default: ROOT/etc/cairn/configuration.nix).
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Where the system lives.
    #[command(flatten)]
    pub root: RootArgs,
    /// On evaluation errors, show every `while evaluating …` frame.
    #[arg(long)]
    pub show_trace: bool,
    /// Activate this specialisation of the system (`specialisation.NAME`)
    /// instead of the system itself; the generation is still the system's.
    #[arg(short = 's', long = "specialisation", value_name = "NAME")]
    pub specialisation: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// How to build.
    #[command(flatten)]
    pub flags: BuildFlags,
}

/// `cairn system diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Two generation numbers to compare; without them, the current
    /// generation against the configuration.
    #[arg(value_name = "GENERATION", num_args = 0..=2)]
    pub generations: Vec<u64>,
    /// The configuration (default: ROOT/etc/cairn/configuration.nix).
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Where the system lives.
    #[command(flatten)]
    pub root: RootArgs,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// How to build.
    #[command(flatten)]
    pub flags: BuildFlags,
}
