//! The sandbox process: `clone(2)` with new namespaces, then the planned
//! setup and `execve`. All of the crate's `unsafe` is here.
//!
//! The child is created by `clone` without `CLONE_VM`: it runs on a stack
//! allocated by the parent, in a copy-on-write copy of the parent's memory,
//! as the only thread of the copy. If the parent has other threads, one of
//! them may have held a lock (the allocator's, stdio's) at the moment of the
//! copy, and that lock stays held forever in the child. So between `clone`
//! and `execve` the child only makes system calls (through `rustix`'s raw
//! Linux backend, or `libc`'s thin wrappers of async-signal-safe calls), reads
//! the [`Plan`] prepared by the parent, and writes into memory that already
//! exists. It never allocates, never formats, never panics on purpose:
//! a failed step is reported as `(op index, errno)` — eight bytes — on a
//! close-on-exec pipe and the child exits. A successful `execve` closes that
//! pipe, which is how the parent learns that setup is over.
//!
//! Because of `CLONE_NEWPID` the child is pid 1 of its namespace, and the
//! program stays pid 1 after `execve`, as in Nix: when it exits, the kernel
//! kills every other process of the sandbox before the parent sees the exit,
//! and a `SIGKILL` sent to it by the parent ends the whole sandbox.

#![allow(unsafe_code)]

use std::ffi::{CStr, c_char, c_int, c_void};
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

use rustix::event::{PollFd, PollFlags, poll};
use rustix::fs::{CWD, Mode, OFlags};
use rustix::io::Errno;
use rustix::mount::{
    FsMountFlags, FsOpenFlags, MountAttrFlags, MountFlags, MountPropagationFlags, MoveMountFlags,
    OpenTreeFlags, UnmountFlags,
};
use rustix::process::{Gid, Resource, Rlimit, Signal, Uid};

use crate::plan::{Op, Plan};

/// Stack of the child until `execve`. Setup needs little: no recursion,
/// no large locals.
const STACK_SIZE: usize = 256 * 1024;

/// The descriptors the child uses; all are close-on-exec in the parent.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ChildFds {
    /// Read end of the go-ahead pipe: one byte once the id maps are written;
    /// end of file when the parent is gone.
    pub(crate) sync_read: RawFd,
    /// Write end of the report pipe.
    pub(crate) report_write: RawFd,
    /// Write end of the log pipe (becomes stdout and stderr).
    pub(crate) log_write: RawFd,
}

/// Everything the child reads, prepared by the parent.
struct Context<'a> {
    plan: &'a Plan,
    /// NULL-terminated pointers into `plan.argv`.
    argv: Vec<*const c_char>,
    /// NULL-terminated pointers into `plan.envp`.
    envp: Vec<*const c_char>,
    /// The host's root (`O_PATH`), from `HostRoot` to `PivotRoot`.
    host_root: Option<OwnedFd>,
    /// The captured tree being bound, from `Capture` to `Attach`.
    tree: Option<OwnedFd>,
    fds: ChildFds,
}

/// The report a failed child writes: op index and errno, little-endian.
pub(crate) const REPORT_LEN: usize = 8;

/// Creates the sandbox process and returns its pid (in the caller's pid
/// namespace) and a pidfd for it. The child waits for one byte on
/// `fds.sync_read` before doing anything.
pub(crate) fn clone_sandbox(
    plan: &Plan,
    fds: ChildFds,
    new_network: bool,
) -> io::Result<(i32, OwnedFd)> {
    let mut context = Context {
        plan,
        argv: plan
            .argv
            .iter()
            .map(|a| a.as_ptr())
            .chain([std::ptr::null()])
            .collect(),
        envp: plan
            .envp
            .iter()
            .map(|e| e.as_ptr())
            .chain([std::ptr::null()])
            .collect(),
        host_root: None,
        tree: None,
        fds,
    };
    let mut stack = vec![0u8; STACK_SIZE];
    // The stack grows down; its top must be 16-byte aligned.
    let top = stack.as_mut_ptr().wrapping_add(STACK_SIZE);
    let top = top.wrapping_sub(top as usize % 16);
    let mut flags = libc::CLONE_NEWUSER
        | libc::CLONE_NEWNS
        | libc::CLONE_NEWPID
        | libc::CLONE_NEWUTS
        | libc::CLONE_NEWIPC
        | libc::CLONE_PIDFD
        | libc::SIGCHLD;
    if new_network {
        flags |= libc::CLONE_NEWNET;
    }
    let mut pidfd: c_int = -1;
    // SAFETY: `child_main` has the signature clone expects and only reads
    // `context` through the pointer, in the child's private copy of memory
    // (no CLONE_VM), on the child's own stack `top`, which lies inside
    // `stack` and stays allocated until clone returns in the parent (the
    // child has its own copy from then on). With CLONE_PIDFD the kernel
    // stores the pidfd through the fifth argument (parent_tid), a valid
    // `c_int`. The child never returns into Rust code of the parent.
    let pid = unsafe {
        libc::clone(
            child_main,
            top.cast::<c_void>(),
            flags,
            std::ptr::from_mut(&mut context).cast::<c_void>(),
            std::ptr::from_mut(&mut pidfd),
        )
    };
    if pid == -1 {
        return Err(io::Error::last_os_error());
    }
    drop(stack);
    // SAFETY: CLONE_PIDFD succeeded, so `pidfd` is a new descriptor that
    // nothing else owns (the kernel sets it close-on-exec).
    let pidfd = unsafe { OwnedFd::from_raw_fd(pidfd) };
    Ok((pid, pidfd))
}

/// The child's entry point: wait for the go-ahead, run the plan, exec.
extern "C" fn child_main(arg: *mut c_void) -> c_int {
    // SAFETY: `arg` is the `&mut Context` that `clone_sandbox` passed; this
    // process has its own copy of it and no other thread.
    let context = unsafe { &mut *arg.cast::<Context<'_>>() };
    // The copy of the parent's descriptor table holds the go-ahead pipe's
    // write end, and, when other threads spawn sandboxes or hold locks at
    // the same time, their pipes and `flock`ed files too. Kept, they would
    // keep this child waiting forever once the parent is killed (the read
    // below never sees end of file), and the orphan would hold the
    // parent's locks (a killed `cairn build` would leave its output locks
    // taken for good). So everything but the three pipes goes first.
    if close_all_but([
        context.fds.sync_read,
        context.fds.report_write,
        context.fds.log_write,
    ])
    .is_err()
    {
        exit(1);
    }
    let mut byte = [0u8; 1];
    // SAFETY: the descriptor is open for the child's whole setup.
    let sync = unsafe { BorrowedFd::borrow_raw(context.fds.sync_read) };
    match rustix::io::retry_on_intr(|| rustix::io::read(sync, &mut byte)) {
        Ok(1) => {}
        // The parent died or gave up before writing the id maps.
        _ => exit(1),
    }
    rustix::process::umask(Mode::empty());
    for (index, op) in context.plan.ops.iter().enumerate() {
        if let Err(errno) = run(context, op) {
            report(context.fds.report_write, index, errno);
            exit(1);
        }
    }
    // The last op is Exec, which only returns on failure.
    exit(1)
}

/// Closes every descriptor from 3 up except `keep`, with `close_range(2)`
/// over the gaps; no allocation.
fn close_all_but(mut keep: [RawFd; 3]) -> Result<(), Errno> {
    keep.sort_unstable();
    let mut first: u32 = 3;
    for fd in keep.into_iter().chain([RawFd::MAX]) {
        let Ok(fd) = u32::try_from(fd) else {
            continue;
        };
        if fd > first {
            let last = if fd == u32::try_from(RawFd::MAX).unwrap_or(u32::MAX) {
                u32::MAX
            } else {
                fd - 1
            };
            // SAFETY: close_range only closes descriptors of this process,
            // none of which is in use by anything but this thread.
            let result = unsafe { libc::syscall(libc::SYS_close_range, first, last, 0u32) };
            if result == -1 {
                return Err(last_errno());
            }
        }
        first = first.max(fd.saturating_add(1));
    }
    Ok(())
}

fn exit(code: c_int) -> ! {
    // SAFETY: _exit is async-signal-safe and ends the process.
    unsafe { libc::_exit(code) }
}

/// Writes the 8-byte failure report; nothing else can be done if it fails.
fn report(fd: RawFd, index: usize, errno: Errno) {
    let mut buf = [0u8; REPORT_LEN];
    buf[..4].copy_from_slice(&u32::try_from(index).unwrap_or(u32::MAX).to_le_bytes());
    buf[4..].copy_from_slice(&errno.raw_os_error().to_le_bytes());
    // SAFETY: the report pipe is open until exec.
    let fd = unsafe { BorrowedFd::borrow_raw(fd) };
    let _ = rustix::io::write(fd, &buf);
}

/// Borrows a descriptor the child holds.
fn borrow(fd: RawFd) -> BorrowedFd<'static> {
    // SAFETY: only called on descriptors the child keeps open until exec
    // (the captured trees and the pipes).
    unsafe { BorrowedFd::borrow_raw(fd) }
}

fn run(context: &mut Context<'_>, op: &Op) -> Result<(), Errno> {
    match op {
        Op::ResetSignals => reset_signals()?,
        Op::SwitchIds {
            uid,
            gid,
            drop_groups,
        } => {
            let (uid, gid) = (Uid::from_raw(*uid), Gid::from_raw(*gid));
            rustix::thread::set_thread_res_gid(gid, gid, gid)?;
            if *drop_groups {
                rustix::thread::set_thread_groups(&[])?;
            }
            // Only `uid` is mapped and uid 0 is not, so the kernel keeps the
            // capabilities of this namespace across the switch (its
            // "root uid" does not exist); execve drops them later, since the
            // program runs as a non-zero uid without file capabilities.
            rustix::thread::set_thread_res_uid(uid, uid, uid)?;
        }
        Op::DieWithParent => {
            // Set after the id switch, which would clear it.
            rustix::process::set_parent_process_death_signal(Some(Signal::KILL))?;
            // The parent holds the go-ahead pipe's write end until the
            // sandbox is reaped: a hang-up means it died before the signal
            // was armed.
            let sync = borrow(context.fds.sync_read);
            let mut fds = [PollFd::new(&sync, PollFlags::IN)];
            let zero = rustix::time::Timespec {
                tv_sec: 0,
                tv_nsec: 0,
            };
            poll(&mut fds, Some(&zero))?;
            if fds[0].revents().contains(PollFlags::HUP) {
                return Err(Errno::SRCH);
            }
        }
        Op::PrivateMounts => {
            rustix::mount::mount_change(
                c"/",
                MountPropagationFlags::PRIVATE | MountPropagationFlags::REC,
            )?;
        }
        Op::HostRoot => {
            let root = rustix::fs::open(
                c"/",
                OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
                Mode::empty(),
            )?;
            // Replacing a value is a plain move; nothing is allocated.
            context.host_root = Some(root);
        }
        Op::Capture { source } => {
            let root = context.host_root.as_ref().ok_or(Errno::BADF)?;
            let tree = rustix::mount::open_tree(
                root,
                source.as_c_str(),
                OpenTreeFlags::OPEN_TREE_CLONE
                    | OpenTreeFlags::OPEN_TREE_CLOEXEC
                    | OpenTreeFlags::AT_RECURSIVE,
            )?;
            context.tree = Some(tree);
        }
        Op::Restrict { read_only } => {
            let mut attr_set = MOUNT_ATTR_NOSUID;
            if *read_only {
                attr_set |= MOUNT_ATTR_RDONLY;
            }
            let tree = context.tree.as_ref().ok_or(Errno::BADF)?;
            mount_setattr(tree.as_fd(), attr_set)?;
        }
        Op::RootTmpfs => {
            let fs = rustix::mount::fsopen(c"tmpfs", FsOpenFlags::FSOPEN_CLOEXEC)?;
            rustix::mount::fsconfig_set_string(&fs, c"mode", c"0755")?;
            rustix::mount::fsconfig_create(&fs)?;
            let root = rustix::mount::fsmount(
                &fs,
                FsMountFlags::FSMOUNT_CLOEXEC,
                MountAttrFlags::MOUNT_ATTR_NOSUID | MountAttrFlags::MOUNT_ATTR_NODEV,
            )?;
            // Over the host's `/`, in this private namespace; bind sources
            // are found through the `HostRoot` handle, which it does not
            // cover.
            rustix::mount::move_mount(
                &root,
                c"",
                CWD,
                c"/",
                MoveMountFlags::MOVE_MOUNT_F_EMPTY_PATH,
            )?;
            rustix::process::fchdir(&root)?;
        }
        Op::MakeDir { path, mode } => {
            match rustix::fs::mkdirat(CWD, path.as_c_str(), Mode::from_raw_mode(*mode)) {
                Ok(()) | Err(Errno::EXIST) => {}
                Err(errno) => return Err(errno),
            }
        }
        Op::MountPointFile(path) => {
            let regular = rustix::fs::FileType::RegularFile;
            match rustix::fs::mknodat(CWD, path.as_c_str(), regular, Mode::from_raw_mode(0o644), 0)
            {
                Ok(()) | Err(Errno::EXIST) => {}
                Err(errno) => return Err(errno),
            }
        }
        Op::MakeFile {
            path,
            mode,
            contents,
        } => {
            let file = rustix::fs::openat(
                CWD,
                path.as_c_str(),
                OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::from_raw_mode(*mode),
            )?;
            let mut rest: &[u8] = contents;
            while !rest.is_empty() {
                let written = rustix::io::retry_on_intr(|| rustix::io::write(&file, rest))?;
                rest = rest.get(written..).unwrap_or_default();
            }
        }
        Op::Symlink { target, path } => {
            rustix::fs::symlinkat(target.as_c_str(), CWD, path.as_c_str())?;
        }
        Op::Attach { path } => {
            let tree = context.tree.take().ok_or(Errno::BADF)?;
            rustix::mount::move_mount(
                &tree,
                c"",
                CWD,
                path.as_c_str(),
                MoveMountFlags::MOVE_MOUNT_F_EMPTY_PATH,
            )?;
        }
        Op::Mount {
            fstype,
            path,
            data,
            flags,
            optional,
        } => {
            let flags =
                MountFlags::from_bits_retain(u32::try_from(*flags).map_err(|_| Errno::INVAL)?);
            let result = rustix::mount::mount(
                *fstype,
                path.as_c_str(),
                *fstype,
                flags,
                Some(data.as_c_str()),
            );
            if let Err(errno) = result
                && !*optional
            {
                return Err(errno);
            }
        }
        Op::Hostname(name) => rustix::system::sethostname(name.as_bytes())?,
        Op::Domainname(name) => rustix::system::setdomainname(name.as_bytes())?,
        Op::Loopback => loopback_up()?,
        Op::PivotRoot => {
            // With new_root and put_old both ".", the old root ends up
            // stacked on the new one, from where it is detached.
            // The host's tree must not stay pinned.
            context.host_root = None;
            rustix::process::pivot_root(c".", c".")?;
            rustix::mount::unmount(c".", UnmountFlags::DETACH)?;
            rustix::process::chdir(c"/")?;
        }
        Op::ChangeDir(path) => rustix::process::chdir(path.as_c_str())?,
        Op::LimitProcesses(max) => {
            let limit = Rlimit {
                current: Some(*max),
                maximum: Some(*max),
            };
            rustix::process::setrlimit(Resource::Nproc, limit)?;
        }
        Op::NoCoreDumps => {
            let mut limit = rustix::process::getrlimit(Resource::Core);
            limit.current = Some(0);
            rustix::process::setrlimit(Resource::Core, limit)?;
        }
        Op::NewSession => {
            rustix::process::setsid()?;
        }
        Op::NoNewPrivileges => rustix::thread::set_no_new_privs(true)?,
        Op::Seccomp => {
            let program = &context.plan.seccomp;
            let fprog = libc::sock_fprog {
                len: u16::try_from(program.len()).map_err(|_| Errno::INVAL)?,
                // The kernel only reads the program.
                filter: program.as_ptr().cast_mut().cast::<libc::sock_filter>(),
            };
            // SAFETY: `fprog` points to `len` instructions laid out as
            // `struct sock_filter` (`Instruction` is `repr(C)` with the same
            // fields), alive for the call; the kernel copies them.
            let result = unsafe {
                libc::prctl(
                    libc::PR_SET_SECCOMP,
                    libc::SECCOMP_MODE_FILTER,
                    std::ptr::from_ref(&fprog),
                )
            };
            if result == -1 {
                return Err(last_errno());
            }
        }
        Op::Stdio => {
            let null =
                rustix::fs::open(c"/dev/null", OFlags::RDWR | OFlags::CLOEXEC, Mode::empty())?;
            dup2(null.as_raw_fd(), 0)?;
            dup2(context.fds.log_write, 1)?;
            dup2(context.fds.log_write, 2)?;
            rustix::process::umask(Mode::from_raw_mode(0o022));
        }
        Op::CloseFds => {
            // SAFETY: close_range only changes descriptor flags.
            let result = unsafe {
                libc::syscall(
                    libc::SYS_close_range,
                    3u32,
                    u32::MAX,
                    libc::CLOSE_RANGE_CLOEXEC,
                )
            };
            if result == -1 {
                return Err(
                    Errno::from_io_error(&io::Error::last_os_error()).unwrap_or(Errno::INVAL)
                );
            }
        }
        Op::Exec => {
            // SAFETY: the program path and both arrays are NUL-terminated C
            // strings and NULL-terminated pointer arrays owned by the plan.
            unsafe {
                libc::execve(
                    context.plan.program.as_ptr(),
                    context.argv.as_ptr(),
                    context.envp.as_ptr(),
                );
            }
            return Err(last_errno());
        }
    }
    Ok(())
}

/// The kernel's `struct sigaction` for `rt_sigaction(2)` on x86-64 and
/// most other architectures (handler, flags, restorer, mask).
#[repr(C)]
struct KernelSigaction {
    handler: usize,
    flags: u64,
    restorer: usize,
    mask: u64,
}

/// Sets every catchable signal's action to the default and unblocks all.
/// Ignored signals survive `execve` (handled ones are reset by it), so
/// the caller's — Rust ignores `SIGPIPE`, a caller's caller may ignore
/// more — would leak into the program. The system call is used directly
/// because glibc's wrapper refuses its two internal real-time signals.
fn reset_signals() -> Result<(), Errno> {
    let default = KernelSigaction {
        handler: 0,
        flags: 0,
        restorer: 0,
        mask: 0,
    };
    for signal in 1..=64 {
        if signal == libc::SIGKILL || signal == libc::SIGSTOP {
            continue;
        }
        // SAFETY: `default` is a valid kernel sigaction (SIG_DFL, no flags)
        // of the size passed; no old action is requested.
        let result = unsafe {
            libc::syscall(
                libc::SYS_rt_sigaction,
                signal,
                std::ptr::from_ref(&default),
                std::ptr::null_mut::<KernelSigaction>(),
                std::mem::size_of::<u64>(),
            )
        };
        if result == -1 {
            return Err(last_errno());
        }
    }
    let none = 0u64;
    // SAFETY: an all-clear signal set of the kernel's size; no old set.
    let result = unsafe {
        libc::syscall(
            libc::SYS_rt_sigprocmask,
            libc::SIG_SETMASK,
            std::ptr::from_ref(&none),
            std::ptr::null_mut::<u64>(),
            std::mem::size_of::<u64>(),
        )
    };
    if result == -1 {
        return Err(last_errno());
    }
    Ok(())
}

fn last_errno() -> Errno {
    Errno::from_raw_os_error(
        io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EINVAL),
    )
}

fn dup2(from: RawFd, to: RawFd) -> Result<(), Errno> {
    // SAFETY: dup2 on descriptors; `to` is one of the standard three.
    if unsafe { libc::dup2(from, to) } == -1 {
        return Err(last_errno());
    }
    Ok(())
}

/// `MOUNT_ATTR_RDONLY` (linux/mount.h).
const MOUNT_ATTR_RDONLY: u64 = 0x1;
/// `MOUNT_ATTR_NOSUID` (linux/mount.h).
const MOUNT_ATTR_NOSUID: u64 = 0x2;

/// `struct mount_attr` (linux/mount.h).
#[repr(C)]
struct MountAttr {
    attr_set: u64,
    attr_clr: u64,
    propagation: u64,
    userns_fd: u64,
}

/// `mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, {attr_set})`: sets
/// flags on a whole (detached) tree. Flags the tree already has, such as a
/// locked `noexec` inherited from the host, are kept.
fn mount_setattr(tree: BorrowedFd<'_>, attr_set: u64) -> Result<(), Errno> {
    let attr = MountAttr {
        attr_set,
        attr_clr: 0,
        propagation: 0,
        userns_fd: 0,
    };
    // SAFETY: the path is a NUL-terminated empty string and `attr` is a
    // valid `struct mount_attr` of the size passed.
    let result = unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            tree.as_raw_fd(),
            c"".as_ptr(),
            libc::AT_EMPTY_PATH | libc::AT_RECURSIVE,
            std::ptr::from_ref(&attr),
            std::mem::size_of::<MountAttr>(),
        )
    };
    if result == -1 {
        return Err(last_errno());
    }
    Ok(())
}

/// Sets `lo` up (`SIOCSIFFLAGS`), as `ip link set lo up` would.
fn loopback_up() -> Result<(), Errno> {
    // SAFETY: plain socket(2) call.
    let sock = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if sock == -1 {
        return Err(last_errno());
    }
    // SAFETY: `sock` is a new descriptor owned by nobody else.
    let sock = unsafe { OwnedFd::from_raw_fd(sock) };
    // SAFETY: `ifreq` is plain old data; all zeroes is a valid value.
    let mut request: libc::ifreq = unsafe { std::mem::zeroed() };
    for (dst, src) in request
        .ifr_name
        .iter_mut()
        .zip(LOOPBACK.to_bytes_with_nul())
    {
        *dst = *src as c_char;
    }
    request.ifr_ifru.ifru_flags = (libc::IFF_UP | libc::IFF_LOOPBACK | libc::IFF_RUNNING) as i16;
    // SAFETY: SIOCSIFFLAGS reads a `struct ifreq`, which `request` is.
    let result = unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCSIFFLAGS, &request) };
    if result == -1 {
        return Err(last_errno());
    }
    Ok(())
}

/// The loopback interface's name.
const LOOPBACK: &CStr = c"lo";
