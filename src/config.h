/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * config: the ntp.conf-syntax parser that tset and tsetd share.
 *
 * config_parse() is a pure function on a buffer: no I/O, no logging, no
 * allocation. It fills one struct config with everything either program
 * understands; directives the reading program does not use are recorded
 * as notices (the caller prints them), anything malformed is an error with
 * file, line and column. tset.conf(5) and tsetd(8) list the directives of
 * each program.
 */
#ifndef TSET_CONFIG_H
#define TSET_CONFIG_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits on everything a file can make us hold. */
#define CONFIG_MAX_LINE	      1024 /* bytes per line, newline excluded */
#define CONFIG_MAX_SERVERS    64   /* server + pool + peer lines */
#define CONFIG_MAX_REFCLOCKS  8	   /* 127.127.t.u server lines */
#define CONFIG_MAX_RESTRICTS  64
#define CONFIG_MAX_INTERFACES 32
#define CONFIG_MAX_TRUSTED    16  /* trustedkey ids */
#define CONFIG_MAX_NOTICES    32  /* further notices are counted, not kept */
#define CONFIG_MAX_HOST	      256 /* host name or address text, NUL included */
#define CONFIG_MAX_PATH	      256 /* file names, NUL included */
#define CONFIG_MAX_IFNAME     16  /* IFNAMSIZ */
#define CONFIG_MAX_TOS_COUNT  64  /* tos minsane / minclock: at most one per server */
#define CONFIG_MAX_INCLUDE    5	  /* includefile nesting, as ntpd's */

/*
 * tsetd's `limitprefix`: rate limiting counts a client per network of this
 * prefix length. Shorter prefixes would let one noisy host silence the
 * unrelated ones beside it; an IPv6 host owns a /64 and can send from any
 * address in it.
 */
#define CONFIG_LIMIT_PREFIX4_MIN 16
#define CONFIG_LIMIT_PREFIX4_DEF 32
#define CONFIG_LIMIT_PREFIX6_MIN 32
#define CONFIG_LIMIT_PREFIX6_DEF 64
/* tsetd's `statsinterval`: seconds between two counters lines. */
#define CONFIG_STATS_INTERVAL_DEF_S 3600.0

/* The program reading the file: decides what is used and what is skipped. */
enum config_program {
	CONFIG_PROGRAM_TSET,
	CONFIG_PROGRAM_TSETD,
};

/* Address family restriction of a line (-4 / -6), or either. */
enum config_family {
	CONFIG_FAMILY_ANY = 0,
	CONFIG_FAMILY_INET = 4,
	CONFIG_FAMILY_INET6 = 6,
};

/* An IPv4 or IPv6 address. IPv4 is kept as such, not mapped. */
struct config_addr {
	int family; /* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} u;
};

/* server / pool / peer line flags */
enum {
	CONFIG_SERVER_IBURST = 1u << 0,
	CONFIG_SERVER_BURST = 1u << 1,
	CONFIG_SERVER_PREFER = 1u << 2,
	CONFIG_SERVER_NOSELECT = 1u << 3,
	CONFIG_SERVER_POOL = 1u << 4, /* a `pool` line */
	CONFIG_SERVER_PEER = 1u << 5, /* a `peer` line (tset queries it as a server) */
	CONFIG_SERVER_TRUE = 1u << 6, /* ntpd's `true`: never a falseticker */
	CONFIG_SERVER_NTS = 1u << 7,  /* `nts` (ntpsec, chrony): Network Time Security */
};

/* One upstream server: what tset queries. */
struct config_server {
	char host[CONFIG_MAX_HOST]; /* name or numeric address, zone kept ("fe80::1%eth0") */
	uint16_t port;		    /* 123 unless `port N` or host:port */
	enum config_family family;  /* -4 / -6 on the line */
	unsigned flags;		    /* CONFIG_SERVER_* */
	unsigned keyid;		    /* 0 = none */
	unsigned version;	    /* 0 = default (4) */
	int minpoll, maxpoll;	    /* accepted; 0 when not given */
	/* with `nts`, port is the NTS-KE port (`ntsport N`, else ntpsec's
	 * host:port, else 4460) and ntp_port the NTP port when the key
	 * exchange names none (`port N`; 0: 123) */
	uint16_t ntp_port;
	char ca[CONFIG_MAX_PATH]; /* `ca FILE` (ntpsec): its trust anchors; "" = none */
	unsigned line;		  /* where it was declared */
};

/* Reference-clock driver types of 127.127.t.u (ntpd numbering). */
enum {
	CONFIG_REFCLOCK_LOCAL = 1, /* undisciplined local clock */
	CONFIG_REFCLOCK_SHM = 28,  /* shared memory (gpsd's NTP0, NTP1...) */
	CONFIG_REFCLOCK_GPSD = 46, /* GPSD JSON */
};

/* fudge fields that were given (bit set) */
enum {
	CONFIG_FUDGE_TIME1 = 1u << 0,
	CONFIG_FUDGE_TIME2 = 1u << 1,
	CONFIG_FUDGE_STRATUM = 1u << 2,
	CONFIG_FUDGE_REFID = 1u << 3,
	CONFIG_FUDGE_FLAG1 = 1u << 4,
	CONFIG_FUDGE_FLAG2 = 1u << 5,
	CONFIG_FUDGE_FLAG3 = 1u << 6,
	CONFIG_FUDGE_FLAG4 = 1u << 7,
};

/* A reference clock: `server 127.127.t.u` plus its `fudge` line. */
struct config_refclock {
	unsigned type;	    /* t: CONFIG_REFCLOCK_* or any other driver number */
	unsigned unit;	    /* u */
	unsigned flags;	    /* CONFIG_SERVER_* from the server line */
	int mode;	    /* `mode N` on the server line; 0 if none */
	unsigned fudge_set; /* CONFIG_FUDGE_* */
	double time1_s, time2_s;
	unsigned stratum; /* 0..15 as given */
	char refid[5];	  /* up to 4 characters, NUL terminated */
	bool flag[4];	  /* flag1..flag4 */
	unsigned line;
};

/* restrict flags (ntpd names) */
enum {
	CONFIG_RESTRICT_IGNORE = 1u << 0,
	CONFIG_RESTRICT_NOSERVE = 1u << 1,
	CONFIG_RESTRICT_LIMITED = 1u << 2,
	CONFIG_RESTRICT_KOD = 1u << 3,
	CONFIG_RESTRICT_NOMODIFY = 1u << 4,
	CONFIG_RESTRICT_NOTRAP = 1u << 5,
	CONFIG_RESTRICT_NOPEER = 1u << 6,
	CONFIG_RESTRICT_NOQUERY = 1u << 7,
	CONFIG_RESTRICT_NOTRUST = 1u << 8,
	CONFIG_RESTRICT_LOWPRIOTRAP = 1u << 9,
	CONFIG_RESTRICT_NTPPORT = 1u << 10,
	CONFIG_RESTRICT_VERSION = 1u << 11,
	CONFIG_RESTRICT_NOMRULIST = 1u << 12,
	CONFIG_RESTRICT_NOEPEER = 1u << 13,
	CONFIG_RESTRICT_EPEER = 1u << 14,
	CONFIG_RESTRICT_FLAKE = 1u << 15,	/* ntpd: drop 10 % of packets (a test aid) */
	CONFIG_RESTRICT_MSSNTP = 1u << 16,	/* Samba's signed replies (ntpsigndsocket) */
	CONFIG_RESTRICT_FUZZ = 1u << 17,	/* `serverresponse fuzz` */
	CONFIG_RESTRICT_IPPEERLIMIT = 1u << 18, /* `ippeerlimit N` given */
};

/* One restrict line. `restrict default` without -4/-6 yields two entries. */
struct config_restrict {
	bool is_default;	 /* `default`: prefix 0 */
	bool is_source;		 /* `restrict source ...` (pool associations) */
	struct config_addr addr; /* network address, host bits cleared */
	unsigned prefix;	 /* 0..32 or 0..128, from mask or /len */
	unsigned flags;		 /* CONFIG_RESTRICT_* */
	int ippeerlimit;	 /* `ippeerlimit N` (-1..65535): accepted */
	unsigned line;
};

enum config_if_action {
	CONFIG_IF_LISTEN,
	CONFIG_IF_IGNORE,
	CONFIG_IF_DROP,
};

enum config_if_match {
	CONFIG_IF_ALL,
	CONFIG_IF_IPV4,
	CONFIG_IF_IPV6,
	CONFIG_IF_WILDCARD,
	CONFIG_IF_NAME,	  /* ifname */
	CONFIG_IF_PREFIX, /* addr + prefix (a single address: full length) */
};

/* One interface line: `interface listen|ignore|drop WHAT`. */
struct config_interface {
	enum config_if_action action;
	enum config_if_match match;
	char ifname[CONFIG_MAX_IFNAME];
	struct config_addr addr;
	unsigned prefix;
	unsigned line;
};

/* A directive skipped by the reading program, for the caller to print. */
struct config_notice {
	char file[CONFIG_MAX_PATH]; /* the file it is in (an included one, maybe) */
	unsigned line;
	char text[96]; /* e.g. "driftfile is for a daemon; skipped" */
};

/* trustedkey ids lo..hi (one id: lo == hi); ntpd writes a range (lo ... hi). */
struct config_key_range {
	unsigned lo, hi;
};

struct config {
	/* tset (its servers: the slots at the end) */
	unsigned n_servers;
	bool has_step, has_panic; /* tinker step / panic given */
	double step_s, panic_s;	  /* tinker step S (0 = never step) / panic S (0 = none) */
	bool disable_kernel;	  /* `disable kernel` */
	bool has_samples, has_timeout, has_deadline, has_accuracy;
	unsigned samples; /* 1..8 */
	double timeout_s, deadline_s, accuracy_s;
	char resolvconf[CONFIG_MAX_PATH]; /* "" = c-ares default */
	unsigned minsane;		  /* tos minsane N: fewest that agree; 0 = not given */
	unsigned minclock;		  /* tos minclock N: cluster floor; 0 = not given */
	double maxdist_s;		  /* tos maxdist S: root distance bound; 0 = not given */
	/* symmetric-key authentication (both programs) */
	char keys[CONFIG_MAX_PATH]; /* "" = none */
	/* NTS: `ntstrustedcerts FILE` (chrony): the trust anchors of every
	 * nts server without `ca`; "" = the system's */
	char ntstrustedcerts[CONFIG_MAX_PATH];
	struct config_key_range trusted[CONFIG_MAX_TRUSTED];
	unsigned n_trusted;
	/* tos floor / ceiling: a server of stratum < floor or >= ceiling is
	 * not a candidate (ntpd's defaults: 0 and 15); 0 = not given */
	unsigned tos_floor, tos_ceiling;
	unsigned n_includes; /* includefile lines followed */
	/* tsetd */
	struct config_refclock refclocks[CONFIG_MAX_REFCLOCKS];
	unsigned n_refclocks;
	struct config_restrict restricts[CONFIG_MAX_RESTRICTS];
	unsigned n_restricts;
	struct config_interface interfaces[CONFIG_MAX_INTERFACES];
	unsigned n_interfaces;
	bool has_port;
	uint16_t port;			 /* `port N`: listen port */
	char gpsd_host[CONFIG_MAX_HOST]; /* "" = 127.0.0.1 */
	uint16_t gpsd_port;		 /* 0 = default (2947) */
	bool has_discard;
	int discard_average_log2;   /* discard average A (log2 s), default 3 */
	unsigned discard_minimum_s; /* discard minimum M (s), default 2 */
	unsigned discard_monitor;   /* discard monitor N: accepted */
	bool has_limitprefix;
	unsigned limit_prefix4; /* limitprefix ipv4 N: IPv4 clients rate-limited per /N (32) */
	unsigned limit_prefix6; /* limitprefix ipv6 N: IPv6 clients per /N (64) */
	bool has_statsinterval;
	double stats_interval_s; /* statsinterval S: counters logged every S s (3600) */
	char logfile[CONFIG_MAX_PATH];
	/* notices for the caller (the slots: at the end) */
	unsigned n_notices;	    /* kept */
	unsigned n_notices_dropped; /* beyond CONFIG_MAX_NOTICES */
	/*
	 * The slots of the two long lists come last, from CONFIG_SLOTS on:
	 * config_init() clears the struct up to them, and each slot is
	 * cleared when it is taken. Nothing reads a slot at or past its
	 * count, and the pages of slots never taken are never written (in
	 * tsetd's static storage: 28 KiB of bss resident instead of 72).
	 */
	struct config_notice notices[CONFIG_MAX_NOTICES];
	struct config_server servers[CONFIG_MAX_SERVERS];
};
#define CONFIG_SLOTS offsetof(struct config, notices)

/*
 * Where and why parsing failed. Columns count bytes (a tab is one column,
 * as in clang's diagnostics); a UTF-8 byte order mark is not counted. col
 * is the first byte of the offending token; for "missing argument to 'X'"
 * it is the column right after the last token of the line (after X when X
 * ends the line). msg is lowercase, without a trailing period, user text in
 * single quotes and cut to 48 bytes, e.g. "bad number 'abc' for timeout
 * (expected seconds 0 < S <= 60)".
 */
struct config_error {
	char file[CONFIG_MAX_PATH];
	unsigned line; /* 1-based */
	unsigned col;  /* 1-based, of the offending token */
	char msg[128];
	/* in an included file: the includefile line that named it ("" / 0) */
	char from_file[CONFIG_MAX_PATH];
	unsigned from_line;
};

/*
 * How config_parse_include() reads an included file: include() is called
 * for each `includefile NAME` line with NAME as written and the including
 * file's name (to resolve NAME against its folder); it reads the file and
 * parses it into cfg with config_parse_include() again. It returns 0,
 * -EINVAL for an error inside the included file (*ret_err filled), or a
 * negative errno that the parser reports at the includefile line: -ELOOP
 * (the file includes itself), -EMLINK (nested deeper than
 * CONFIG_MAX_INCLUDE, or too many files), or why it could not be read.
 */
struct config_include {
	int (*include)(void *userdata, struct config *cfg, const char *name,
		       const char *including_file, enum config_program prog,
		       struct config_error *ret_err);
	void *userdata;
};

/* Was this build made with NTS (meson -Dnts)? Without it tset refuses a
 * server line with `nts`, naming it. */
bool config_has_nts(void);

/* Set every field to its default (no servers, default thresholds unset). */
void config_init(struct config *ret);

/*
 * Parse buf[0..len) as an ntp.conf-syntax file named file (for messages),
 * for program prog, adding to *cfg (call config_init first). Returns 0, or
 * -EINVAL with *ret_err filled naming file, line and column (ret_err may be
 * NULL); parsing stops at the first error, and *cfg is then partial.
 *
 * Notices (one per line at most): "X is for tsetd; skipped" / "X is for
 * tset; skipped" (a directive of the other program, fully validated and
 * stored all the same), "X is for a daemon; skipped" (an ntpd/ntpsec
 * directive neither uses, not validated), "tinker K is for a daemon;
 * skipped", "tos K is for a daemon; skipped", "disable F is for a daemon;
 * skipped", "127.127.t.u is a reference clock for a daemon; skipped"
 * (tset), "upstream server skipped: tsetd serves only reference clocks"
 * (tsetd; the server is stored), "server option 'X' is for a daemon;
 * skipped" (tset), "restrict flag 'mssntp' skipped: ..." (tsetd).
 * Every directive, option and flag of ntpd 4.2.8 and ntpsec parses; only
 * a malformed line, a bad value or an unknown word is an error.
 */
int config_parse(struct config *cfg, const char *buf, size_t len, const char *file,
		 enum config_program prog, struct config_error *ret_err);

/*
 * config_parse() with `includefile` lines followed through inc (which
 * does the reading). config_parse() itself reads nothing: there an
 * includefile line is an error, so that a file is never used half.
 */
int config_parse_include(struct config *cfg, const char *buf, size_t len, const char *file,
			 enum config_program prog, const struct config_include *inc,
			 struct config_error *ret_err);

/*
 * Parse a server given on tset's command line: "host", "host:port",
 * "v4addr:port", "[v6addr]:port", "v6addr", "fe80::1%eth0". Fills host and
 * port (default_port when none is given). Returns 0 or -EINVAL; the outputs
 * are written only on success. A host is a numeric IPv4/IPv6 address (IPv6
 * may carry a %zone, kept in host) or a DNS name (letters, digits, '-', '_',
 * '.'; labels of 1..63 bytes not starting with '-', at most 253 bytes, a
 * final dot allowed, the last label not all digits); brackets only around
 * IPv6; the port is 1..65535 in plain decimal.
 */
int config_parse_host_port(const char *arg, uint16_t default_port, char *ret_host, size_t host_len,
			   uint16_t *ret_port);

/*
 * Is host a reference-clock pseudo-address 127.127.t.u (t, u 0..255, no
 * leading zeros)? Fills type and unit when not NULL.
 */
bool config_host_is_refclock(const char *host, unsigned *ret_type, unsigned *ret_unit);

/*
 * The directives the parser knows, in its table's order: the name of the
 * i-th, and which program reads it (neither: a daemon's directive, skipped
 * with a notice). NULL past the end. The documentation checks use it.
 */
const char *config_directive_name(size_t i, bool *ret_tset, bool *ret_tsetd);

/* Render an error as "file:line:col: msg", and " (included from file:line)". */
void config_error_format(const struct config_error *err, char *buf, size_t len);

#endif
