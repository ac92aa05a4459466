//! The parent's side: start a sandbox, feed its output to the caller,
//! enforce the time limits, reap it.
//!
//! Waiting uses `poll(2)` on two descriptors — the log pipe and a pidfd of
//! the sandbox's init — with the time left before the nearest deadline as
//! the timeout, so there is no sleeping and no signal handler. Killing the
//! init (`pidfd_send_signal`, immune to pid reuse) makes the kernel kill
//! everything else in its pid namespace, including processes that ignore
//! `SIGTERM` or left the session; when the pidfd reports the exit, all of
//! them are gone.

use std::io;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags, poll};
use rustix::io::Errno;
use rustix::pipe::PipeFlags;
use rustix::process::{Signal, WaitId, WaitIdOptions};

use crate::cgroup::PidsCgroup;
use crate::child::{ChildFds, REPORT_LEN, clone_sandbox};
use crate::error::{SandboxError, SetupStep};
use crate::plan::Plan;
use crate::spec::{HostIds, SandboxSpec};

/// How a sandboxed program ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It exited with this status.
    Exited(i32),
    /// A signal ended it.
    Signalled(i32),
    /// [`SandboxSpec::timeout`] passed; the sandbox was killed.
    TimedOut(Duration),
    /// It wrote nothing for [`SandboxSpec::max_silent_time`]; the sandbox
    /// was killed.
    Silent(Duration),
}

impl Outcome {
    /// Exited with status 0.
    #[must_use]
    pub fn success(self) -> bool {
        self == Outcome::Exited(0)
    }
}

/// A started sandbox whose program is running. Dropping it kills the
/// sandbox and reaps it.
#[derive(Debug)]
pub struct Sandbox {
    pid: i32,
    pidfd: OwnedFd,
    /// `None` once the log reached end of file.
    log: Option<OwnedFd>,
    /// Held until the sandbox is reaped: its hang-up tells a child that is
    /// still setting up that the parent is gone.
    _sync: OwnedFd,
    started: Instant,
    timeout: Option<Duration>,
    max_silent_time: Option<Duration>,
    reaped: bool,
    /// How the process count is limited. Dropped after the sandbox is
    /// reaped (fields drop after `Drop::drop`), which removes the cgroup.
    limit: ProcessLimit,
}

/// How a sandbox's [`SandboxSpec::max_processes`] is enforced.
#[derive(Debug)]
pub enum ProcessLimit {
    /// No limit was asked for.
    Unlimited,
    /// A `pids` cgroup made for the sandbox (removed with it).
    Cgroup(PidsCgroupHandle),
    /// `RLIMIT_NPROC` only; it holds because the sandbox user is not root
    /// on the host (the kernel counts it per user namespace).
    Rlimit,
}

/// A sandbox's own `pids` cgroup.
#[derive(Debug)]
pub struct PidsCgroupHandle(PidsCgroup);

impl PidsCgroupHandle {
    /// The cgroup's directory.
    #[must_use]
    pub fn path(&self) -> &std::path::Path {
        self.0.path()
    }
}

/// Runs `spec` to the end, passing its standard output and error (one
/// stream, as written) to `log` as they arrive.
///
/// # Errors
///
/// A [`SandboxError`] when the sandbox cannot be made or watched; the
/// program's own failure is an [`Outcome`].
pub fn run(spec: &SandboxSpec, log: &mut dyn FnMut(&[u8])) -> Result<Outcome, SandboxError> {
    Sandbox::spawn(spec)?.wait(log)
}

impl Sandbox {
    /// Creates the sandbox and starts its program. Returns once the program
    /// has been executed (or the setup failed, which is the error).
    ///
    /// The sandbox gets `SIGKILL` if the *thread* that called `spawn` exits
    /// (`PR_SET_PDEATHSIG` follows threads): keep that thread until
    /// [`Sandbox::wait`] returns.
    ///
    /// # Errors
    ///
    /// [`SandboxError::InvalidSpec`], [`SandboxError::MissingBindSource`]
    /// or [`SandboxError::Setup`] naming the step that failed.
    pub fn spawn(spec: &SandboxSpec) -> Result<Sandbox, SandboxError> {
        spec.validate()?;
        let euid = rustix::process::geteuid().as_raw();
        let egid = rustix::process::getegid().as_raw();
        let privileged = euid == 0;
        let (host_uid, host_gid) = match spec.host_ids {
            HostIds::Caller => (euid, egid),
            HostIds::Fixed { uid, gid } => (uid, gid),
        };
        // Only a privileged writer of the gid map may leave setgroups(2)
        // allowed; then the sandbox drops the supplementary groups it
        // inherited. Otherwise they stay, as in Nix (seen as 65534).
        let plan = Plan::new(spec, privileged)?;
        let limit = match spec.max_processes {
            None => ProcessLimit::Unlimited,
            Some(max) => match PidsCgroup::create(max)? {
                Some(cgroup) => ProcessLimit::Cgroup(PidsCgroupHandle(cgroup)),
                None if host_uid != 0 => ProcessLimit::Rlimit,
                None => return Err(SandboxError::ProcessLimitUnavailable { max }),
            },
        };

        let pipe = || {
            rustix::pipe::pipe_with(PipeFlags::CLOEXEC).map_err(|errno| SandboxError::Setup {
                step: SetupStep::CreatePipe,
                source: errno.into(),
            })
        };
        let (sync_read, sync_write) = pipe()?;
        let (report_read, report_write) = pipe()?;
        let (log_read, log_write) = if spec.terminal_output {
            pseudo_terminal()?
        } else {
            pipe()?
        };
        let fds = ChildFds {
            sync_read: sync_read.as_raw_fd(),
            report_write: report_write.as_raw_fd(),
            log_write: log_write.as_raw_fd(),
        };
        let (pid, pidfd) =
            clone_sandbox(&plan, fds, !spec.network).map_err(|source| SandboxError::Setup {
                step: SetupStep::Clone(if spec.network { "" } else { ", net" }),
                source,
            })?;
        drop((sync_read, report_write, log_write));
        let mut sandbox = Sandbox {
            pid,
            pidfd,
            log: Some(log_read),
            _sync: sync_write,
            started: Instant::now(),
            timeout: spec.timeout,
            max_silent_time: spec.max_silent_time,
            reaped: false,
            limit,
        };

        // Until the go-ahead byte, the child only waits: on any error here,
        // dropping `sandbox` kills and reaps it.
        if let ProcessLimit::Cgroup(cgroup) = &sandbox.limit {
            cgroup.0.add(pid)?;
        }
        let proc_dir = PathBuf::from(format!("/proc/{pid}"));
        if !privileged {
            write_proc(&proc_dir.join("setgroups"), b"deny")?;
        }
        write_proc(
            &proc_dir.join("uid_map"),
            format!("{} {host_uid} 1\n", spec.uid).as_bytes(),
        )?;
        write_proc(
            &proc_dir.join("gid_map"),
            format!("{} {host_gid} 1\n", spec.gid).as_bytes(),
        )?;
        rustix::io::write(&sandbox._sync, &[1]).map_err(|errno| SandboxError::Setup {
            step: SetupStep::ReadReport,
            source: errno.into(),
        })?;

        // End of file: the program was executed. Eight bytes: a step failed.
        let mut report = [0u8; REPORT_LEN];
        let mut filled = 0;
        while filled < REPORT_LEN {
            match rustix::io::retry_on_intr(|| {
                rustix::io::read(&report_read, &mut report[filled..])
            }) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(errno) => {
                    return Err(SandboxError::Setup {
                        step: SetupStep::ReadReport,
                        source: errno.into(),
                    });
                }
            }
        }
        if filled == REPORT_LEN {
            let index = u32::from_le_bytes([report[0], report[1], report[2], report[3]]);
            let errno = i32::from_le_bytes([report[4], report[5], report[6], report[7]]);
            let step = usize::try_from(index)
                .ok()
                .and_then(|i| plan.steps.get(i).cloned())
                .unwrap_or(SetupStep::ReadReport);
            return Err(SandboxError::Setup {
                step,
                source: io::Error::from_raw_os_error(errno),
            });
        }
        if let Some(log) = &sandbox.log {
            rustix::io::ioctl_fionbio(log, true).map_err(|errno| SandboxError::Setup {
                step: SetupStep::ReadLog,
                source: errno.into(),
            })?;
        }
        sandbox.started = Instant::now();
        Ok(sandbox)
    }

    /// The sandbox's init (the program) as a pid in the caller's namespace.
    #[must_use]
    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// How the process count is limited.
    #[must_use]
    pub fn process_limit(&self) -> &ProcessLimit {
        &self.limit
    }

    /// Kills every process in the sandbox (`SIGKILL` to its init). Call
    /// [`Sandbox::wait`] afterwards to reap it.
    ///
    /// # Errors
    ///
    /// When the signal cannot be sent (not when the sandbox already ended).
    pub fn kill(&self) -> Result<(), SandboxError> {
        if self.reaped {
            return Ok(());
        }
        match rustix::process::pidfd_send_signal(&self.pidfd, Signal::KILL) {
            Ok(()) | Err(Errno::SRCH) => Ok(()),
            Err(errno) => Err(SandboxError::Setup {
                step: SetupStep::Wait,
                source: errno.into(),
            }),
        }
    }

    /// Passes the output to `log` as it arrives until the program exits,
    /// killing the sandbox when a time limit passes.
    ///
    /// # Errors
    ///
    /// When polling, reading the log or waiting fails.
    pub fn wait(mut self, log: &mut dyn FnMut(&[u8])) -> Result<Outcome, SandboxError> {
        let mut buf = vec![0u8; 64 * 1024];
        let mut last_output = Instant::now();
        let mut killed_for: Option<Outcome> = None;
        loop {
            let now = Instant::now();
            let mut wait_for: Option<Duration> = None;
            if killed_for.is_none() {
                if let Some(timeout) = self.timeout {
                    let elapsed = now.duration_since(self.started);
                    if elapsed >= timeout {
                        self.kill()?;
                        killed_for = Some(Outcome::TimedOut(timeout));
                        continue;
                    }
                    wait_for = Some(timeout - elapsed);
                }
                if let Some(silent) = self.max_silent_time {
                    let quiet = now.duration_since(last_output);
                    if quiet >= silent {
                        self.kill()?;
                        killed_for = Some(Outcome::Silent(silent));
                        continue;
                    }
                    let left = silent - quiet;
                    wait_for = Some(wait_for.map_or(left, |w| w.min(left)));
                }
            }
            // Rounded up to the next millisecond, so that the deadline has
            // passed when poll returns for it.
            let timespec = wait_for.map(|left| {
                let millis = left.as_nanos().div_ceil(1_000_000);
                rustix::time::Timespec {
                    tv_sec: i64::try_from(millis / 1000).unwrap_or(i64::MAX),
                    tv_nsec: i64::try_from(millis % 1000).unwrap_or(0) * 1_000_000,
                }
            });
            let (log_ready, exited) = {
                let pidfd = self.pidfd.as_fd();
                let mut fds = vec![PollFd::new(&pidfd, PollFlags::IN)];
                let log_fd = self.log.as_ref().map(AsFd::as_fd);
                if let Some(log_fd) = &log_fd {
                    fds.push(PollFd::new(log_fd, PollFlags::IN));
                }
                match poll(&mut fds, timespec.as_ref()) {
                    Ok(_) | Err(Errno::INTR) => {}
                    Err(errno) => {
                        return Err(SandboxError::Setup {
                            step: SetupStep::Wait,
                            source: errno.into(),
                        });
                    }
                }
                let exited = !fds[0].revents().is_empty();
                let log_ready = fds.get(1).is_some_and(|fd| !fd.revents().is_empty());
                (log_ready, exited)
            };
            if log_ready && self.drain(&mut buf, log)? {
                last_output = Instant::now();
            }
            if exited {
                // Every process of the sandbox is gone: what is left in the
                // pipe is all there will be.
                self.drain(&mut buf, log)?;
                let status = self.reap()?;
                return Ok(killed_for.unwrap_or(status));
            }
        }
    }

    /// Reads what the log pipe holds now; `true` if anything was read.
    fn drain(&mut self, buf: &mut [u8], log: &mut dyn FnMut(&[u8])) -> Result<bool, SandboxError> {
        let mut any = false;
        while let Some(fd) = &self.log {
            match rustix::io::read(fd, &mut *buf) {
                Ok(0) => self.log = None,
                Ok(n) => {
                    any = true;
                    log(&buf[..n]);
                }
                Err(Errno::AGAIN) => break,
                // A pseudo-terminal's master reads EIO once every slave
                // descriptor is closed and the buffer is empty: its end of
                // file.
                Err(Errno::IO) => self.log = None,
                Err(Errno::INTR) => {}
                Err(errno) => {
                    return Err(SandboxError::Setup {
                        step: SetupStep::ReadLog,
                        source: errno.into(),
                    });
                }
            }
        }
        Ok(any)
    }

    fn reap(&mut self) -> Result<Outcome, SandboxError> {
        let status = rustix::io::retry_on_intr(|| {
            rustix::process::waitid(WaitId::PidFd(self.pidfd.as_fd()), WaitIdOptions::EXITED)
        })
        .map_err(|errno| SandboxError::Setup {
            step: SetupStep::Wait,
            source: errno.into(),
        })?;
        self.reaped = true;
        let status = status.ok_or_else(|| SandboxError::Setup {
            step: SetupStep::Wait,
            source: io::Error::other("waitid reported no status"),
        })?;
        if let Some(code) = status.exit_status() {
            Ok(Outcome::Exited(code))
        } else if let Some(signal) = status.terminating_signal() {
            Ok(Outcome::Signalled(signal))
        } else {
            Err(SandboxError::Setup {
                step: SetupStep::Wait,
                source: io::Error::other("the sandbox neither exited nor was killed"),
            })
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if !self.reaped {
            let _ = self.kill();
            let _ = self.reap();
        }
    }
}

/// A pseudo-terminal in raw mode: (master, slave), both close-on-exec.
fn pseudo_terminal() -> Result<(OwnedFd, OwnedFd), SandboxError> {
    use rustix::pty::OpenptFlags;
    use rustix::termios::{OptionalActions, tcgetattr, tcsetattr};
    let step = |errno: Errno| SandboxError::Setup {
        step: SetupStep::PseudoTerminal,
        source: errno.into(),
    };
    let flags = OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC;
    let master = rustix::pty::openpt(flags).map_err(step)?;
    rustix::pty::grantpt(&master).map_err(step)?;
    rustix::pty::unlockpt(&master).map_err(step)?;
    let slave = rustix::pty::ioctl_tiocgptpeer(&master, flags).map_err(step)?;
    let mut termios = tcgetattr(&slave).map_err(step)?;
    termios.make_raw();
    tcsetattr(&slave, OptionalActions::Now, &termios).map_err(step)?;
    Ok((master, slave))
}

fn write_proc(path: &std::path::Path, contents: &[u8]) -> Result<(), SandboxError> {
    std::fs::write(path, contents).map_err(|source| SandboxError::Setup {
        step: SetupStep::WriteIdMap(path.to_owned()),
        source,
    })
}
