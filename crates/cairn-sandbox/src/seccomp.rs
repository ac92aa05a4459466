//! The system-call filter Nix puts on builders, as a classic BPF program.
//!
//! Two things a store path cannot hold are refused where they are made:
//!
//! * setuid and setgid bits: `chmod`, `fchmod`, `fchmodat` and
//!   `fchmodat2` with `S_ISUID` or `S_ISGID` in the mode fail with `EPERM`;
//! * extended attributes (and so ACLs), which a NAR cannot represent:
//!   `setxattr`, `lsetxattr`, `fsetxattr` and `setxattrat` fail with
//!   `ENOTSUP`.
//!
//! Everything else is allowed. The filter covers every system-call ABI the
//! host kernel offers a process: on x86-64 the native one, x32 (native
//! numbers with bit 30 set) and i386; on AArch64 the native one and 32-bit
//! ARM. Nix 2.8 filters the same calls (without `fchmodat2` and
//! `setxattrat`, which are newer).
//!
//! The program is built here, in the parent; the child only installs it
//! (after `PR_SET_NO_NEW_PRIVS`, which an unprivileged filter needs).

/// `struct sock_filter`: one classic BPF instruction.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Instruction {
    code: u16,
    jt: u8,
    jf: u8,
    k: u32,
}

/// `struct seccomp_data` offsets.
const NR: u32 = 0;
const ARCH: u32 = 4;
/// Low 32 bits of argument `n` (little-endian): `16 + 8 * n`.
const fn arg_low(n: u32) -> u32 {
    16 + 8 * n
}

/// `AUDIT_ARCH_*` (linux/audit.h).
const AUDIT_ARCH_X86_64: u32 = 0xC000_003E;
const AUDIT_ARCH_I386: u32 = 0x4000_0003;
const AUDIT_ARCH_AARCH64: u32 = 0xC000_00B7;
const AUDIT_ARCH_ARM: u32 = 0x4000_0028;
/// x32 system calls are x86-64 numbers with this bit set.
const X32_SYSCALL_BIT: u32 = 0x4000_0000;

const S_ISUID_OR_S_ISGID: u32 = 0o6000;

/// BPF opcodes (linux/bpf_common.h): class | size/operation | mode/source.
/// `BPF_LD | BPF_W | BPF_ABS` (the first two are 0).
const BPF_LD_W_ABS: u16 = 0x20;
/// `BPF_JMP | BPF_JEQ | BPF_K`.
const BPF_JMP_JEQ_K: u16 = 0x05 | 0x10;
/// `BPF_JMP | BPF_JSET | BPF_K`.
const BPF_JMP_JSET_K: u16 = 0x05 | 0x40;
/// `BPF_ALU | BPF_AND | BPF_K`.
const BPF_ALU_AND_K: u16 = 0x04 | 0x50;
/// `BPF_RET | BPF_K`.
const BPF_RET_K: u16 = 0x06;

const RET_ALLOW: u32 = 0x7fff_0000;
const fn ret_errno(errno: i32) -> u32 {
    0x0005_0000 | (errno as u32 & 0xffff)
}

/// What happens to one system call.
#[derive(Clone, Copy)]
enum Rule {
    /// `EPERM` if argument `n` (a mode) has setuid or setgid bits.
    ModeArg(u32),
    /// Always `ENOTSUP`.
    NotSupported,
}

/// One system-call ABI: its audit architecture, whether x32 numbers
/// arrive under it, and its numbers for the filtered calls.
struct Abi {
    arch: u32,
    x32: bool,
    calls: &'static [(u32, Rule)],
}

// Shared numbers of newer calls: fchmodat2 452, setxattrat 463.
const X86_64: Abi = Abi {
    arch: AUDIT_ARCH_X86_64,
    x32: true,
    calls: &[
        (90, Rule::ModeArg(1)),    // chmod
        (91, Rule::ModeArg(1)),    // fchmod
        (268, Rule::ModeArg(2)),   // fchmodat
        (452, Rule::ModeArg(2)),   // fchmodat2
        (188, Rule::NotSupported), // setxattr
        (189, Rule::NotSupported), // lsetxattr
        (190, Rule::NotSupported), // fsetxattr
        (463, Rule::NotSupported), // setxattrat
    ],
};
const I386: Abi = Abi {
    arch: AUDIT_ARCH_I386,
    x32: false,
    calls: &[
        (15, Rule::ModeArg(1)),
        (94, Rule::ModeArg(1)),
        (306, Rule::ModeArg(2)),
        (452, Rule::ModeArg(2)),
        (226, Rule::NotSupported),
        (227, Rule::NotSupported),
        (228, Rule::NotSupported),
        (463, Rule::NotSupported),
    ],
};
const AARCH64: Abi = Abi {
    arch: AUDIT_ARCH_AARCH64,
    x32: false,
    calls: &[
        // No chmod on AArch64.
        (52, Rule::ModeArg(1)),
        (53, Rule::ModeArg(2)),
        (452, Rule::ModeArg(2)),
        (5, Rule::NotSupported),
        (6, Rule::NotSupported),
        (7, Rule::NotSupported),
        (463, Rule::NotSupported),
    ],
};
const ARM: Abi = Abi {
    arch: AUDIT_ARCH_ARM,
    x32: false,
    calls: &[
        (15, Rule::ModeArg(1)),
        (94, Rule::ModeArg(1)),
        (333, Rule::ModeArg(2)),
        (452, Rule::ModeArg(2)),
        (226, Rule::NotSupported),
        (227, Rule::NotSupported),
        (228, Rule::NotSupported),
        (463, Rule::NotSupported),
    ],
};

/// The ABIs a process on this host can use.
fn host_abis() -> &'static [Abi] {
    if cfg!(target_arch = "x86_64") {
        &[X86_64, I386]
    } else if cfg!(target_arch = "aarch64") {
        &[AARCH64, ARM]
    } else {
        &[]
    }
}

fn statement(code: u16, k: u32) -> Instruction {
    Instruction {
        code,
        jt: 0,
        jf: 0,
        k,
    }
}

fn jump(code: u16, k: u32, jt: u8, jf: u8) -> Instruction {
    Instruction { code, jt, jf, k }
}

/// The filter for this host, or `None` on an architecture without one.
pub(crate) fn filter() -> Option<Vec<Instruction>> {
    let abis = host_abis();
    if abis.is_empty() {
        return None;
    }
    let mut program = vec![statement(BPF_LD_W_ABS, ARCH)];
    for abi in abis {
        let block = abi_block(abi);
        // Not this ABI: skip its block.
        let skip = u8::try_from(block.len()).ok()?;
        program.push(jump(BPF_JMP_JEQ_K, abi.arch, 0, skip));
        program.extend(block);
    }
    program.push(statement(BPF_RET_K, RET_ALLOW));
    Some(program)
}

/// Instructions for one ABI; each path ends in a return.
fn abi_block(abi: &Abi) -> Vec<Instruction> {
    let mut block = vec![statement(BPF_LD_W_ABS, NR)];
    if abi.x32 {
        block.push(statement(BPF_ALU_AND_K, !X32_SYSCALL_BIT));
    }
    for &(number, rule) in abi.calls {
        let body = match rule {
            Rule::ModeArg(n) => vec![
                statement(BPF_LD_W_ABS, arg_low(n)),
                jump(BPF_JMP_JSET_K, S_ISUID_OR_S_ISGID, 0, 1),
                statement(BPF_RET_K, ret_errno(libc::EPERM)),
                statement(BPF_RET_K, RET_ALLOW),
            ],
            Rule::NotSupported => vec![statement(BPF_RET_K, ret_errno(libc::ENOTSUP))],
        };
        let skip = u8::try_from(body.len()).unwrap_or(u8::MAX);
        block.push(jump(BPF_JMP_JEQ_K, number, 0, skip));
        block.extend(body);
    }
    block.push(statement(BPF_RET_K, RET_ALLOW));
    block
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the program on one `seccomp_data`, as the kernel would.
    fn evaluate(program: &[Instruction], arch: u32, nr: u32, args: [u32; 6]) -> u32 {
        let load = |offset: u32| match offset {
            NR => nr,
            ARCH => arch,
            o => args[((o - 16) / 8) as usize],
        };
        let mut acc = 0u32;
        let mut pc = 0usize;
        loop {
            let insn = program[pc];
            pc += 1;
            match insn.code {
                BPF_LD_W_ABS => acc = load(insn.k),
                BPF_ALU_AND_K => acc &= insn.k,
                BPF_RET_K => return insn.k,
                BPF_JMP_JEQ_K | BPF_JMP_JSET_K => {
                    let taken = if insn.code == BPF_JMP_JEQ_K {
                        acc == insn.k
                    } else {
                        acc & insn.k != 0
                    };
                    pc += usize::from(if taken { insn.jt } else { insn.jf });
                }
                other => panic!("unexpected opcode {other:#x}"),
            }
        }
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn refuses_setuid_modes_and_xattrs_on_every_abi() {
        let program = filter().unwrap();
        let eperm = ret_errno(libc::EPERM);
        let enotsup = ret_errno(libc::ENOTSUP);
        let x64 = AUDIT_ARCH_X86_64;
        // chmod(path, 04755), fchmodat(dir, path, 02755, 0)
        assert_eq!(evaluate(&program, x64, 90, [0, 0o4755, 0, 0, 0, 0]), eperm);
        assert_eq!(
            evaluate(&program, x64, 90, [0, 0o755, 0, 0, 0, 0]),
            RET_ALLOW
        );
        assert_eq!(evaluate(&program, x64, 268, [0, 0, 0o2755, 0, 0, 0]), eperm);
        assert_eq!(
            evaluate(&program, x64, 268, [0, 0o6000, 0o644, 0, 0, 0]),
            RET_ALLOW
        );
        assert_eq!(evaluate(&program, x64, 452, [0, 0, 0o4000, 0, 0, 0]), eperm);
        assert_eq!(evaluate(&program, x64, 188, [0; 6]), enotsup);
        // x32 numbers, i386.
        assert_eq!(
            evaluate(&program, x64, 91 | X32_SYSCALL_BIT, [0, 0o4711, 0, 0, 0, 0]),
            eperm
        );
        assert_eq!(
            evaluate(&program, AUDIT_ARCH_I386, 15, [0, 0o4755, 0, 0, 0, 0]),
            eperm
        );
        assert_eq!(evaluate(&program, AUDIT_ARCH_I386, 228, [0; 6]), enotsup);
        // Unrelated calls, including i386's 90 (mmap) and x86-64's 15.
        assert_eq!(
            evaluate(&program, AUDIT_ARCH_I386, 90, [0, 0o4755, 0, 0, 0, 0]),
            RET_ALLOW
        );
        assert_eq!(
            evaluate(&program, x64, 15, [0, 0o4755, 0, 0, 0, 0]),
            RET_ALLOW
        );
        assert_eq!(evaluate(&program, x64, 0, [0; 6]), RET_ALLOW);
    }
}
