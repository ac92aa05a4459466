//! Boot loader entries for every kept generation.
//!
//! systemd-boot: one `ROOT/boot/loader/entries/cairn-generation-N.conf` per
//! generation (like NixOS's `nixos-generation-N.conf`), kernels and initrds
//! copied once to `ROOT/boot/EFI/cairn/HASH-NAME-FILE.efi` (the ESP cannot
//! read the store), and `ROOT/boot/loader/loader.conf` naming the default.
//! GRUB: `ROOT/boot/grub/cairn-generations.cfg`, a complete menu (usable
//! as `grub.cfg` or `source`d from it): the default generation
//! first and then a "cairn - All configurations" submenu, newest first,
//! reading kernels straight from the store (GRUB can read the root file
//! system). Entries and kernel copies of generations no longer listed are
//! deleted. Every file is written atomically and depends only on the
//! generations passed in, so the same list gives the same bytes.
//!
//! Every specialisation of a listed generation (`TOPLEVEL/specialisation/
//! NAME`, [`BootSpecialisation`]) that has a kernel gets an entry of its
//! own: `cairn-generation-N-specialisation-NAME.conf` (NixOS's naming) and
//! a GRUB item after its generation's, both titled with its name; the
//! default generation's specialisations are also at the top of the GRUB
//! menu, as NixOS's GRUB menu has them.
//!
//! A generation whose plan has no kernel is left out (it cannot be booted)
//! and reported. The default generation's `boot.loader` settings
//! ([`BootLoader`]) apply to the whole menu: which of the two loaders get
//! files (a disabled one's cairn files are removed), the timeout (`None`:
//! wait for a choice), and how many of the newest generations are listed.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::Error;
use crate::etc::write_file;
use crate::plan::{BootEntry, BootLoader};
use crate::toplevel::{Toplevel, reroot};

/// One kept generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootGeneration {
    /// The generation number.
    pub number: u64,
    /// Its toplevel's logical store path.
    pub toplevel: PathBuf,
    /// Its label (`activation-plan.json`'s `label`).
    pub label: String,
    /// Its `bootEntry`.
    pub entry: BootEntry,
    /// When it was created, seconds since the epoch (UTC).
    pub created: i64,
    /// Its specialisations that can be booted, sorted by name.
    pub specialisations: Vec<BootSpecialisation>,
}

/// A specialisation of a kept generation: a system built with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootSpecialisation {
    /// Its name (`specialisation.<name>`).
    pub name: String,
    /// Its toplevel's logical store path.
    pub toplevel: PathBuf,
    /// Its `bootEntry`.
    pub entry: BootEntry,
}

impl BootSpecialisation {
    /// The specialisations of `toplevel` that have a kernel to boot,
    /// sorted by name.
    ///
    /// # Errors
    /// A specialisation's link or plan cannot be read.
    pub fn of(toplevel: &Toplevel) -> Result<Vec<BootSpecialisation>, Error> {
        let mut out = Vec::new();
        for (name, child) in toplevel.specialisations()? {
            let plan = child.plan()?;
            if let Some(entry) = plan.boot_entry.filter(|e| e.kernel.is_some()) {
                out.push(BootSpecialisation {
                    name,
                    toplevel: child.path().to_owned(),
                    entry,
                });
            }
        }
        Ok(out)
    }
}

/// One menu item: a generation, or one of its specialisations.
struct Item<'a> {
    generation: &'a BootGeneration,
    specialisation: Option<&'a str>,
    toplevel: &'a Path,
    entry: &'a BootEntry,
}

impl<'a> Item<'a> {
    fn all(generation: &'a BootGeneration) -> impl Iterator<Item = Item<'a>> {
        std::iter::once(Item {
            generation,
            specialisation: None,
            toplevel: &generation.toplevel,
            entry: &generation.entry,
        })
        .chain(generation.specialisations.iter().filter_map(move |s| {
            s.entry.kernel.is_some().then_some(Item {
                generation,
                specialisation: Some(&s.name),
                toplevel: &s.toplevel,
                entry: &s.entry,
            })
        }))
    }

    fn title(&self) -> String {
        match self.specialisation {
            None => self.entry.title.clone(),
            Some(name) => format!("{} (specialisation {name})", self.entry.title),
        }
    }
}

/// What [`write_boot_entries`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BootReport {
    /// Generations listed in the menu, newest first.
    pub written: Vec<u64>,
    /// Generations left out because they have no kernel.
    pub without_kernel: Vec<u64>,
    /// Generations left out by `configurationLimit`.
    pub over_limit: Vec<u64>,
    /// Entry files deleted (generations no longer kept), relative to ROOT.
    pub removed: Vec<PathBuf>,
}

const ENTRIES: &str = "boot/loader/entries";
const EFI_DIR: &str = "boot/EFI/cairn";
const GRUB_MENU: &str = "boot/grub/cairn-generations.cfg";
const LOADER_CONF: &str = "boot/loader/loader.conf";

/// Writes the entries of `generations` (any order) under `root`, with
/// `default` as the default generation and `loader` its settings; kernels
/// are read from under `store_root`.
///
/// # Errors
/// `default` is not among the bootable generations, a kernel cannot be
/// read, or a write fails.
pub fn write_boot_entries(
    root: &Path,
    store_root: &Path,
    generations: &[BootGeneration],
    default: u64,
    loader: &BootLoader,
) -> Result<BootReport, Error> {
    let mut report = BootReport::default();
    let mut sorted: Vec<&BootGeneration> = generations.iter().collect();
    sorted.sort_by_key(|g| std::cmp::Reverse(g.number));
    sorted.dedup_by_key(|g| g.number);
    let bootable: Vec<&BootGeneration> = sorted
        .iter()
        .copied()
        .filter(|g| {
            let ok = g.entry.kernel.is_some();
            if !ok {
                report.without_kernel.push(g.number);
            }
            ok
        })
        .collect();
    if !bootable.iter().any(|g| g.number == default) {
        return Err(Error::InvalidGeneration {
            number: default,
            reason: "the default generation is not among the bootable generations".to_owned(),
        });
    }
    // The newest `configurationLimit`, and the default in any case.
    let limit = loader
        .configuration_limit
        .map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX));
    let bootable: Vec<&BootGeneration> = bootable
        .iter()
        .enumerate()
        .filter_map(|(index, g)| {
            let listed = index < limit || g.number == default;
            if !listed {
                report.over_limit.push(g.number);
            }
            listed.then_some(*g)
        })
        .collect();
    report.written = bootable.iter().map(|g| g.number).collect();
    let listed_by_systemd_boot: &[&BootGeneration] =
        if loader.systemd_boot { &bootable } else { &[] };
    let entries_dir = root.join(ENTRIES);
    let efi_dir = root.join(EFI_DIR);
    if loader.systemd_boot {
        crate::etc::create_dirs(&entries_dir)?;
        crate::etc::create_dirs(&efi_dir)?;
    }

    let mut keep_entries = BTreeSet::new();
    let mut keep_efi = BTreeSet::new();
    for item in listed_by_systemd_boot
        .iter()
        .flat_map(|generation| Item::all(generation))
    {
        let number = item.generation.number;
        let kernel = item.entry.kernel.as_ref().expect("filtered");
        let kernel_efi = copy_to_esp(root, store_root, number, kernel)?;
        keep_efi.insert(kernel_efi.clone());
        let initrd_efi = match &item.entry.initrd {
            Some(initrd) => {
                let name = copy_to_esp(root, store_root, number, initrd)?;
                keep_efi.insert(name.clone());
                Some(name)
            }
            None => None,
        };
        let (name, which) = match item.specialisation {
            None => (
                format!("cairn-generation-{number}.conf"),
                format!("Generation {number}"),
            ),
            Some(special) => (
                format!("cairn-generation-{number}-specialisation-{special}.conf"),
                format!("Generation {number} specialisation {special}"),
            ),
        };
        let mut text = String::new();
        let _ = writeln!(text, "title {}", item.title());
        let _ = writeln!(text, "sort-key cairn");
        let _ = writeln!(
            text,
            "version {which} {}, built on {}",
            item.generation.label,
            date(item.generation.created)
        );
        let _ = writeln!(text, "linux /EFI/cairn/{kernel_efi}");
        if let Some(initrd) = initrd_efi {
            let _ = writeln!(text, "initrd /EFI/cairn/{initrd}");
        }
        let _ = writeln!(text, "options {}", options(&item));
        write_file(&entries_dir.join(&name), text.as_bytes(), 0o644, None, true)?;
        keep_entries.insert(name);
    }
    if entries_dir.is_dir() {
        for path in cairn_util::fs::read_dir_sorted(&entries_dir)? {
            let name = file_name(&path);
            if name.starts_with("cairn-generation-")
                && name.ends_with(".conf")
                && !keep_entries.contains(&name)
            {
                cairn_util::fs::remove_file(&path)?;
                report.removed.push(Path::new(ENTRIES).join(name));
            }
        }
    }
    if efi_dir.is_dir() {
        for path in cairn_util::fs::read_dir_sorted(&efi_dir)? {
            let name = file_name(&path);
            if name.ends_with(".efi") && !keep_efi.contains(&name) {
                cairn_util::fs::remove_file(&path)?;
            }
        }
    }
    let loader_conf = root.join(LOADER_CONF);
    if !loader.systemd_boot {
        // Ours (it names one of our entries): it would name a deleted one.
        let ours = std::fs::read_to_string(&loader_conf)
            .is_ok_and(|text| text.contains("default cairn-generation-"));
        if ours {
            cairn_util::fs::remove_file(&loader_conf)?;
            report.removed.push(PathBuf::from(LOADER_CONF));
        }
    } else {
        // systemd-boot's `timeout menu-force` waits for a choice.
        let timeout = loader
            .timeout
            .map_or_else(|| "menu-force".to_owned(), |t| t.to_string());
        write_file(
            &loader_conf,
            format!("timeout {timeout}\ndefault cairn-generation-{default}.conf\n").as_bytes(),
            0o644,
            None,
            true,
        )?;
    }
    let grub_cfg = root.join(GRUB_MENU);
    if loader.grub {
        crate::etc::create_dirs(&root.join("boot/grub"))?;
        write_file(
            &grub_cfg,
            grub_menu(&bootable, default, loader.timeout).as_bytes(),
            0o644,
            None,
            true,
        )?;
    } else if grub_cfg.exists() {
        cairn_util::fs::remove_file(&grub_cfg)?;
        report.removed.push(PathBuf::from(GRUB_MENU));
    }
    Ok(report)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The kernel command line: `init=TOPLEVEL/init` and the plan's params.
fn options(item: &Item<'_>) -> String {
    let mut options = format!("init={}/init", item.toplevel.display());
    for param in &item.entry.kernel_params {
        options.push(' ');
        options.push_str(param);
    }
    options
}

/// Copies a store file to the ESP once, named like NixOS does
/// (`HASH-NAME-FILE.efi`); returns the file name.
fn copy_to_esp(root: &Path, store_root: &Path, number: u64, path: &Path) -> Result<String, Error> {
    let mut components = path.components().filter_map(|c| match c {
        std::path::Component::Normal(n) => Some(n.to_string_lossy().into_owned()),
        _ => None,
    });
    let (Some(_nix), Some(_store), Some(store_name)) =
        (components.next(), components.next(), components.next())
    else {
        return Err(Error::InvalidGeneration {
            number,
            reason: format!("'{}' is not inside the store", path.display()),
        });
    };
    let rest: Vec<String> = components.collect();
    let name = if rest.is_empty() {
        format!("{store_name}.efi")
    } else {
        format!("{store_name}-{}.efi", rest.join("-"))
    };
    let target = root.join(EFI_DIR).join(&name);
    if !target.exists() {
        let content = cairn_util::fs::read(reroot(store_root, path))?;
        write_file(&target, &content, 0o644, None, true)?;
    }
    Ok(name)
}

fn grub_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

fn grub_entry(out: &mut String, indent: &str, title: &str, item: &Item<'_>) {
    let _ = writeln!(
        out,
        "{indent}menuentry {} --class cairn {{",
        grub_quote(title)
    );
    if let Some(kernel) = &item.entry.kernel {
        let _ = writeln!(
            out,
            "{indent}  linux {} {}",
            kernel.display(),
            options(item)
        );
    }
    if let Some(initrd) = &item.entry.initrd {
        let _ = writeln!(out, "{indent}  initrd {}", initrd.display());
    }
    let _ = writeln!(out, "{indent}}}");
}

fn grub_menu(bootable: &[&BootGeneration], default: u64, timeout: Option<u64>) -> String {
    // GRUB waits for a choice with a timeout of -1.
    let timeout = timeout.map_or_else(|| "-1".to_owned(), |t| t.to_string());
    let mut out = format!(
        "# Generated by cairn; changes are overwritten at the next switch.\n\
         set default=0\nset timeout={timeout}\n",
    );
    if let Some(generation) = bootable.iter().find(|g| g.number == default) {
        // The default system, then its specialisations.
        for item in Item::all(generation) {
            grub_entry(&mut out, "", &item.title(), &item);
        }
    }
    out.push_str("submenu 'cairn - All configurations' --class submenu {\n");
    for item in bootable.iter().flat_map(|generation| Item::all(generation)) {
        let generation = item.generation;
        let which = match item.specialisation {
            None => format!("Generation {}", generation.number),
            Some(name) => format!("Generation {}, specialisation {name}", generation.number),
        };
        let title = format!(
            "{} - {which} ({}, {})",
            item.entry.title,
            generation.label,
            date(generation.created)
        );
        grub_entry(&mut out, "  ", &title, &item);
    }
    out.push_str("}\n");
    out
}

/// `YYYY-MM-DD` of a Unix time (UTC), by the days-from-civil inverse.
pub(crate) fn date(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(951_782_400), "2000-02-29");
        assert_eq!(date(1_795_996_800), "2026-11-30");
        assert_eq!(date(-86_400), "1969-12-31");
    }
}
