/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * noclock CMD [ARGS...]: run CMD where no system call can change the
 * machine's clock.
 *
 * Sets PR_SET_NO_NEW_PRIVS, installs a seccomp-BPF filter, proves that the
 * filter answers, then execvp()s CMD. The filter is inherited by every child
 * and survives execve, so nothing CMD starts can set the clock either.
 *
 * Refused with EPERM, whatever the arguments (seccomp cannot read the
 * struct timex behind a pointer):
 *   clock_settime, settimeofday, adjtimex, clock_adjtime (and stime,
 *   clock_settime64, clock_adjtime64 where the ABI has them), iopl and
 *   ioperm (hwclock --directisa writes the CMOS clock through I/O ports),
 *   ioctl whose request is one of the RTC writes: RTC_SET_TIME, RTC_ALM_SET,
 *   RTC_WKALM_SET, RTC_EPOCH_SET, RTC_PLL_SET, RTC_PARAM_SET. The request is
 *   compared without its size field, so the 32-bit variants of the requests
 *   that carry an unsigned long (RTC_EPOCH_SET) are refused too.
 *
 * ABIs: the native one (AUDIT_ARCH of this build). On x86_64 also x32 (the
 * __X32_SYSCALL_BIT is masked off before the comparison; x32's ioctl is 514)
 * and i386 (int $0x80 from a 64-bit process, or a 32-bit program started
 * from here) with their own numbers. Any other ABI kills the process: its
 * numbers are not known here, and a filter that guessed could let a clock
 * write through.
 *
 * Exit status: that of CMD; 126 when the filter cannot be installed or does
 * not answer (CMD is never run), or CMD cannot be executed; 127 when CMD is
 * not found; 125 on a usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/rtc.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define NOCLOCK_EXIT_USAGE    125
#define NOCLOCK_EXIT_CANNOT   126
#define NOCLOCK_EXIT_NOTFOUND 127

#if defined(__x86_64__)
#define NOCLOCK_ARCH	  AUDIT_ARCH_X86_64
#define NOCLOCK_X32_BIT	  0x40000000u /* __X32_SYSCALL_BIT */
#define NOCLOCK_X32_IOCTL 514u
#define NOCLOCK_HAVE_I386 1
#elif defined(__i386__)
#define NOCLOCK_ARCH AUDIT_ARCH_I386
#elif defined(__aarch64__)
#define NOCLOCK_ARCH AUDIT_ARCH_AARCH64
#elif defined(__arm__)
#define NOCLOCK_ARCH AUDIT_ARCH_ARM
#elif defined(__riscv) && __riscv_xlen == 64
#define NOCLOCK_ARCH AUDIT_ARCH_RISCV64
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NOCLOCK_ARCH AUDIT_ARCH_PPC64LE
#elif defined(__s390x__)
#define NOCLOCK_ARCH AUDIT_ARCH_S390X
#else
#error "noclock: add this architecture's AUDIT_ARCH"
#endif

/* The low 32 bits of an argument: the kernel's ioctl takes its request as
 * an unsigned int, so only these bits decide which request runs. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NOCLOCK_ARG_LO(n) (offsetof(struct seccomp_data, args) + 8 * (n))
#else
#define NOCLOCK_ARG_LO(n) (offsetof(struct seccomp_data, args) + 8 * (n) + 4)
#endif

/* An ioctl request without its size field (_IOC_SIZEMASK << _IOC_SIZESHIFT). */
#define NOCLOCK_REQ_MASK (~((uint32_t)_IOC_SIZEMASK << _IOC_SIZESHIFT))

/* The RTC requests that write something into the RTC. */
static const uint32_t noclock_rtc_writes[] = {
	RTC_SET_TIME,  RTC_ALM_SET, RTC_WKALM_SET, RTC_EPOCH_SET, RTC_PLL_SET,
#ifdef RTC_PARAM_SET
	RTC_PARAM_SET,
#endif
};

/* The native ABI's clock-writing system calls. */
static const uint32_t noclock_native_nrs[] = {
	__NR_clock_settime,
	__NR_settimeofday,
	__NR_adjtimex,
	__NR_clock_adjtime,
#ifdef __NR_stime
	__NR_stime,
#endif
#ifdef __NR_clock_settime64
	__NR_clock_settime64,
#endif
#ifdef __NR_clock_adjtime64
	__NR_clock_adjtime64,
#endif
#ifdef __NR_iopl
	__NR_iopl,
#endif
#ifdef __NR_ioperm
	__NR_ioperm,
#endif
};

static const uint32_t noclock_native_ioctls[] = {
	__NR_ioctl,
#ifdef NOCLOCK_X32_IOCTL
	NOCLOCK_X32_IOCTL,
#endif
};

#ifdef NOCLOCK_HAVE_I386
/* arch/x86/entry/syscalls/syscall_32.tbl */
static const uint32_t noclock_i386_nrs[] = {
	25,  /* stime */
	79,  /* settimeofday */
	101, /* ioperm */
	110, /* iopl */
	124, /* adjtimex */
	264, /* clock_settime */
	343, /* clock_adjtime */
	404, /* clock_settime64 */
	405, /* clock_adjtime64 */
};
static const uint32_t noclock_i386_ioctls[] = { 54 };
#endif

#define NOCLOCK_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NOCLOCK_PROG_MAX      160

struct noclock_prog {
	struct sock_filter insn[NOCLOCK_PROG_MAX];
	size_t len;
};

static void noclock_emit(struct noclock_prog *p, struct sock_filter f)
{
	/* the program is built from fixed tables: running out is a bug */
	if (p->len >= NOCLOCK_PROG_MAX) {
		fprintf(stderr, "noclock: filter program too long\n");
		exit(NOCLOCK_EXIT_CANNOT);
	}
	p->insn[p->len++] = f;
}

static void noclock_emit_deny_if(struct noclock_prog *p, uint32_t k)
{
	noclock_emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, k, 0, 1));
	noclock_emit(p, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM));
}

/*
 * One ABI's section; the accumulator holds the system call number. Ends
 * with RET ALLOW, so nothing falls through to the next section. An ioctl
 * jumps over its siblings' tests into the request check.
 */
static void noclock_emit_abi(struct noclock_prog *p, const uint32_t *nrs, size_t n_nrs,
			     const uint32_t *ioctls, size_t n_ioctls)
{
	size_t check_len = 1 + 2 * NOCLOCK_ARRAY_SIZE(noclock_rtc_writes) + 1 + 1;

	for (size_t i = 0; i < n_nrs; i++)
		noclock_emit_deny_if(p, nrs[i]);
	for (size_t i = 0; i < n_ioctls; i++) {
		/* not this ioctl number: skip the request check below */
		noclock_emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ioctls[i],
							     0, (uint8_t)check_len));
		noclock_emit(p, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
							     NOCLOCK_ARG_LO(1)));
		noclock_emit(p, (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K,
							     NOCLOCK_REQ_MASK));
		for (size_t j = 0; j < NOCLOCK_ARRAY_SIZE(noclock_rtc_writes); j++)
			noclock_emit_deny_if(p, noclock_rtc_writes[j] & NOCLOCK_REQ_MASK);
		noclock_emit(p, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
	}
	noclock_emit(p, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
}

static void noclock_build(struct noclock_prog *p)
{
	size_t jump_at;

	p->len = 0;
	noclock_emit(p, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						     offsetof(struct seccomp_data, arch)));
#ifdef NOCLOCK_HAVE_I386
	/* i386: jump to its section at the end (offset patched below) */
	jump_at = p->len;
	noclock_emit(
		p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 0, 0));
#else
	(void)jump_at;
#endif
	noclock_emit(p,
		     (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NOCLOCK_ARCH, 1, 0));
	noclock_emit(p, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
	noclock_emit(p, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						     offsetof(struct seccomp_data, nr)));
#ifdef NOCLOCK_X32_BIT
	noclock_emit(p, (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, ~NOCLOCK_X32_BIT));
#endif
	noclock_emit_abi(p, noclock_native_nrs, NOCLOCK_ARRAY_SIZE(noclock_native_nrs),
			 noclock_native_ioctls, NOCLOCK_ARRAY_SIZE(noclock_native_ioctls));
#ifdef NOCLOCK_HAVE_I386
	if (p->len - jump_at - 1 > 255) {
		fprintf(stderr, "noclock: filter jump too long\n");
		exit(NOCLOCK_EXIT_CANNOT);
	}
	p->insn[jump_at].jt = (uint8_t)(p->len - jump_at - 1);
	noclock_emit(p, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						     offsetof(struct seccomp_data, nr)));
	noclock_emit_abi(p, noclock_i386_nrs, NOCLOCK_ARRAY_SIZE(noclock_i386_nrs),
			 noclock_i386_ioctls, NOCLOCK_ARRAY_SIZE(noclock_i386_ioctls));
#endif
}

/*
 * Ask the kernel to do what the filter must refuse, with arguments that
 * could not change anything even without the filter: a NULL time (EFAULT
 * before anything is read) and an RTC write on /dev/null (ENOTTY). Only
 * EPERM proves the filter answered.
 */
static int noclock_verify(void)
{
	struct {
		const char *what;
		long r;
		int err;
	} probe[5];
	int fd, n = 0, bad = 0;

	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "noclock: cannot open /dev/null: %s\n", strerror(errno));
		return -1;
	}
#define NOCLOCK_PROBE(name, call)                                                                  \
	do {                                                                                       \
		errno = 0;                                                                         \
		probe[n].r = (call);                                                               \
		probe[n].err = errno;                                                              \
		probe[n++].what = (name);                                                          \
	} while (0)
	NOCLOCK_PROBE("clock_settime", syscall(SYS_clock_settime, CLOCK_REALTIME, NULL));
	NOCLOCK_PROBE("settimeofday", syscall(SYS_settimeofday, (void *)1, NULL));
	NOCLOCK_PROBE("adjtimex", syscall(SYS_adjtimex, NULL));
	NOCLOCK_PROBE("clock_adjtime", syscall(SYS_clock_adjtime, CLOCK_REALTIME, NULL));
	NOCLOCK_PROBE("ioctl RTC_SET_TIME", syscall(SYS_ioctl, fd, RTC_SET_TIME, NULL));
#undef NOCLOCK_PROBE
	close(fd);
	for (int i = 0; i < n; i++) {
		if (probe[i].r == -1 && probe[i].err == EPERM)
			continue;
		fprintf(stderr, "noclock: filter did not refuse %s (%s)\n", probe[i].what,
			probe[i].r == -1 ? strerror(probe[i].err) : "it succeeded");
		bad = 1;
	}
	return bad ? -1 : 0;
}

static int noclock_install(void)
{
	struct noclock_prog p;
	struct sock_fprog prog;

	noclock_build(&p);
	prog = (struct sock_fprog){ .len = (unsigned short)p.len, .filter = p.insn };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		fprintf(stderr, "noclock: cannot set no_new_privs: %s\n", strerror(errno));
		return -1;
	}
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0 &&
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0) {
		fprintf(stderr, "noclock: cannot install the seccomp filter: %s\n",
			strerror(errno));
		return -1;
	}
	return noclock_verify();
}

int main(int argc, char **argv)
{
	if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: noclock command [argument ...]\n");
		return NOCLOCK_EXIT_USAGE;
	}
	if (noclock_install() < 0)
		return NOCLOCK_EXIT_CANNOT;
	execvp(argv[1], argv + 1);
	fprintf(stderr, "noclock: cannot run \"%s\": %s\n", argv[1], strerror(errno));
	return errno == ENOENT ? NOCLOCK_EXIT_NOTFOUND : NOCLOCK_EXIT_CANNOT;
}
