/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of config: the ntp.conf-syntax parser. The guide and distro
 * files are accepted as they are, every directive stores what it says, and
 * every broken line is rejected with the exact file:line:col.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "config.h"

/* Large (about 60 KiB): one per test process, not on the stack. */
static struct config cfg;
static struct config_error err;

static int parse_len(const char *text, size_t len, enum config_program prog)
{
	config_init(&cfg);
	memset(&err, 0, sizeof(err));
	return config_parse(&cfg, text, len, "test.conf", prog, &err);
}

static int parse(const char *text, enum config_program prog)
{
	return parse_len(text, strlen(text), prog);
}

/* Parse, and fail the test with the error message when it fails. */
static void parse_ok(const char *text, enum config_program prog)
{
	int r = parse(text, prog);

	ck_assert_msg(r == 0, "parse failed (%d): %s:%u:%u: %s", r, err.file, err.line, err.col,
		      err.msg);
}

/* The notice of a line, or NULL. */
static const char *notice_of(unsigned line)
{
	unsigned i;

	for (i = 0; i < cfg.n_notices; i++)
		if (cfg.notices[i].line == line)
			return cfg.notices[i].text;
	return NULL;
}

static void assert_notice(unsigned line, const char *text)
{
	const char *n = notice_of(line);

	ck_assert_msg(n != NULL, "no notice for line %u", line);
	ck_assert_str_eq(n, text);
}

static void assert_addr(const struct config_addr *a, int family, const char *text)
{
	char buf[INET6_ADDRSTRLEN];

	ck_assert_int_eq(a->family, family);
	ck_assert_ptr_nonnull(inet_ntop(family, &a->u, buf, sizeof(buf)));
	ck_assert_str_eq(buf, text);
}

/* ---- defaults ---- */

START_TEST(test_config_init_sets_documented_defaults)
{
	memset(&cfg, 0xa5, sizeof(cfg));
	config_init(&cfg);
	ck_assert_uint_eq(cfg.n_servers, 0);
	ck_assert_uint_eq(cfg.n_refclocks, 0);
	ck_assert_uint_eq(cfg.n_restricts, 0);
	ck_assert_uint_eq(cfg.n_interfaces, 0);
	ck_assert_uint_eq(cfg.n_notices, 0);
	ck_assert_uint_eq(cfg.n_notices_dropped, 0);
	ck_assert(!cfg.has_step && !cfg.has_panic && !cfg.has_samples && !cfg.has_timeout);
	ck_assert(!cfg.has_deadline && !cfg.has_accuracy && !cfg.has_port && !cfg.has_discard);
	ck_assert_double_eq(cfg.step_s, 0.128);
	ck_assert_double_eq(cfg.panic_s, 1000.0);
	ck_assert_uint_eq(cfg.samples, 4);
	ck_assert_double_eq(cfg.timeout_s, 1.0);
	ck_assert_double_eq(cfg.deadline_s, 10.0);
	ck_assert_double_eq(cfg.accuracy_s, 0.001);
	ck_assert_uint_eq(cfg.port, 123);
	ck_assert_int_eq(cfg.discard_average_log2, 3);
	ck_assert_uint_eq(cfg.discard_minimum_s, 2);
	ck_assert(!cfg.has_limitprefix && !cfg.has_statsinterval);
	ck_assert_uint_eq(cfg.limit_prefix4, 32);
	ck_assert_uint_eq(cfg.limit_prefix6, 64);
	ck_assert_double_eq(cfg.stats_interval_s, 3600.0);
	ck_assert(!cfg.disable_kernel);
	ck_assert_str_eq(cfg.keys, "");
	ck_assert_str_eq(cfg.resolvconf, "");
	ck_assert_str_eq(cfg.logfile, "");
	ck_assert_str_eq(cfg.gpsd_host, "");
	ck_assert_uint_eq(cfg.gpsd_port, 0);
}
END_TEST

/*
 * config_init() leaves the slots of servers and notices alone (their
 * pages stay unwritten in static storage): each must be cleared when it
 * is taken. The same text parsed on storage full of garbage and on zeroed
 * storage gives the same slots, byte for byte.
 */
START_TEST(test_config_slots_are_cleared_as_taken)
{
	static const char text[] = "server a.example iburst key 3\n"
				   "pool 2.debian.pool.ntp.org iburst\n"
				   "server [fe80::1%eth0]:1123 nts ca /etc/ca.pem\n"
				   "restrict default kod nomodify notrap nopeer noquery\n"
				   "driftfile /var/lib/ntp/ntp.drift\n"
				   "statsdir /var/log/ntpstats/\n";
	static struct config zeroed, garbage;
	struct config_error e;

	memset(&garbage, 0xa5, sizeof(garbage));
	config_init(&zeroed);
	config_init(&garbage);
	ck_assert_int_eq(
		config_parse(&zeroed, text, strlen(text), "t.conf", CONFIG_PROGRAM_TSET, &e), 0);
	ck_assert_int_eq(
		config_parse(&garbage, text, strlen(text), "t.conf", CONFIG_PROGRAM_TSET, &e), 0);
	ck_assert_uint_eq(garbage.n_servers, 3);
	ck_assert_uint_ge(garbage.n_notices, 2);
	ck_assert_uint_eq(garbage.n_servers, zeroed.n_servers);
	ck_assert_uint_eq(garbage.n_notices, zeroed.n_notices);
	for (unsigned i = 0; i < garbage.n_servers; i++)
		ck_assert_msg(memcmp(&garbage.servers[i], &zeroed.servers[i],
				     sizeof(garbage.servers[i])) == 0,
			      "server slot %u keeps what was there before", i);
	for (unsigned i = 0; i < garbage.n_notices; i++)
		ck_assert_msg(memcmp(&garbage.notices[i], &zeroed.notices[i],
				     sizeof(garbage.notices[i])) == 0,
			      "notice slot %u keeps what was there before", i);
}
END_TEST

START_TEST(test_config_accepts_empty_and_comment_only_files)
{
	parse_ok("", CONFIG_PROGRAM_TSET);
	ck_assert_uint_eq(cfg.n_servers, 0);
	parse_ok("# nothing\n\n   \t\n# more\r\n", CONFIG_PROGRAM_TSETD);
	ck_assert_uint_eq(cfg.n_servers + cfg.n_notices, 0);
}
END_TEST

/* ---- the guide's file ---- */

static const char guide_conf[] = "# ntp.conf as the common guide writes it\n"		    /* 1 */
				 "server 0.jp.pool.ntp.org iburst\n"			    /* 2 */
				 "server 1.jp.pool.ntp.org iburst\n"			    /* 3 */
				 "server 2.jp.pool.ntp.org iburst\n"			    /* 4 */
				 "server 3.jp.pool.ntp.org iburst\n"			    /* 5 */
				 "\n"							    /* 6 */
				 "server 127.127.1.1\n"					    /* 7 */
				 "fudge 127.127.1.1 stratum 12\n"			    /* 8 */
				 "\n"							    /* 9 */
				 "restrict default kod nomodify notrap nopeer noquery\n"    /* 10 */
				 "restrict -6 default kod nomodify notrap nopeer noquery\n" /* 11 */
				 "restrict 127.0.0.1\n"					    /* 12 */
				 "restrict -6 ::1\n"					    /* 13 */
				 "\n"							    /* 14 */
				 "driftfile /var/lib/ntp/ntp.drift\n"			    /* 15 */
				 "logfile /var/log/ntp.log\n"				    /* 16 */
				 "\n"							    /* 17 */
				 "interface listen lo\n"				    /* 18 */
				 "interface ignore enp5s0\n"				    /* 19 */
				 "\n"							    /* 20 */
				 "# GPS through gpsd\n"					    /* 21 */
				 "server 127.127.46.0\n"				    /* 22 */
				 "fudge 127.127.46.0 time1 0.0 time2 0.0 refid GPS\n";	    /* 23 */

static const unsigned guide_acl_flags = CONFIG_RESTRICT_KOD | CONFIG_RESTRICT_NOMODIFY |
					CONFIG_RESTRICT_NOTRAP | CONFIG_RESTRICT_NOPEER |
					CONFIG_RESTRICT_NOQUERY;

START_TEST(test_config_accepts_guide_ntp_conf_servers)
{
	unsigned i;
	char host[32];

	parse_ok(guide_conf, CONFIG_PROGRAM_TSET);
	ck_assert_uint_eq(cfg.n_servers, 4);
	for (i = 0; i < 4; i++) {
		snprintf(host, sizeof(host), "%u.jp.pool.ntp.org", i);
		ck_assert_str_eq(cfg.servers[i].host, host);
		ck_assert_uint_eq(cfg.servers[i].flags, CONFIG_SERVER_IBURST);
		ck_assert_uint_eq(cfg.servers[i].port, 123);
		ck_assert_int_eq(cfg.servers[i].family, CONFIG_FAMILY_ANY);
		ck_assert_uint_eq(cfg.servers[i].keyid, 0);
		ck_assert_uint_eq(cfg.servers[i].line, i + 2);
	}
}
END_TEST

START_TEST(test_config_accepts_guide_ntp_conf_refclocks)
{
	const struct config_refclock *local, *gps;

	parse_ok(guide_conf, CONFIG_PROGRAM_TSETD);
	ck_assert_uint_eq(cfg.n_refclocks, 2);
	local = &cfg.refclocks[0];
	ck_assert_uint_eq(local->type, CONFIG_REFCLOCK_LOCAL);
	ck_assert_uint_eq(local->unit, 1);
	ck_assert_uint_eq(local->fudge_set, CONFIG_FUDGE_STRATUM);
	ck_assert_uint_eq(local->stratum, 12);
	ck_assert_uint_eq(local->line, 7);
	gps = &cfg.refclocks[1];
	ck_assert_uint_eq(gps->type, CONFIG_REFCLOCK_GPSD);
	ck_assert_uint_eq(gps->unit, 0);
	ck_assert_uint_eq(gps->fudge_set,
			  CONFIG_FUDGE_TIME1 | CONFIG_FUDGE_TIME2 | CONFIG_FUDGE_REFID);
	ck_assert_double_eq(gps->time1_s, 0.0);
	ck_assert_double_eq(gps->time2_s, 0.0);
	ck_assert_str_eq(gps->refid, "GPS");
	ck_assert_uint_eq(gps->line, 22);
}
END_TEST

START_TEST(test_config_accepts_guide_ntp_conf_restricts)
{
	const struct config_restrict *r = cfg.restricts;

	parse_ok(guide_conf, CONFIG_PROGRAM_TSETD);
	/* default without -4/-6 gives one entry per family */
	ck_assert_uint_eq(cfg.n_restricts, 5);
	ck_assert(r[0].is_default && r[1].is_default && r[2].is_default);
	ck_assert_int_eq(r[0].addr.family, AF_INET);
	ck_assert_int_eq(r[1].addr.family, AF_INET6);
	ck_assert_int_eq(r[2].addr.family, AF_INET6);
	ck_assert_uint_eq(r[0].prefix + r[1].prefix + r[2].prefix, 0);
	ck_assert_uint_eq(r[0].flags, guide_acl_flags);
	ck_assert_uint_eq(r[1].flags, guide_acl_flags);
	ck_assert_uint_eq(r[2].flags, guide_acl_flags);
	ck_assert_uint_eq(r[1].line, 10);
	ck_assert_uint_eq(r[2].line, 11);
	ck_assert(!r[3].is_default && !r[3].is_source);
	assert_addr(&r[3].addr, AF_INET, "127.0.0.1");
	ck_assert_uint_eq(r[3].prefix, 32);
	ck_assert_uint_eq(r[3].flags, 0);
	assert_addr(&r[4].addr, AF_INET6, "::1");
	ck_assert_uint_eq(r[4].prefix, 128);
	ck_assert_uint_eq(r[4].flags, 0);
}
END_TEST

START_TEST(test_config_accepts_guide_ntp_conf_interfaces_and_logfile)
{
	parse_ok(guide_conf, CONFIG_PROGRAM_TSETD);
	ck_assert_uint_eq(cfg.n_interfaces, 2);
	ck_assert_int_eq(cfg.interfaces[0].action, CONFIG_IF_LISTEN);
	ck_assert_int_eq(cfg.interfaces[0].match, CONFIG_IF_NAME);
	ck_assert_str_eq(cfg.interfaces[0].ifname, "lo");
	ck_assert_int_eq(cfg.interfaces[1].action, CONFIG_IF_IGNORE);
	ck_assert_int_eq(cfg.interfaces[1].match, CONFIG_IF_NAME);
	ck_assert_str_eq(cfg.interfaces[1].ifname, "enp5s0");
	ck_assert_uint_eq(cfg.interfaces[1].line, 19);
	ck_assert_str_eq(cfg.logfile, "/var/log/ntp.log");
}
END_TEST

START_TEST(test_config_guide_as_tset_notices_daemon_lines)
{
	parse_ok(guide_conf, CONFIG_PROGRAM_TSET);
	assert_notice(7, "127.127.1.1 is a reference clock for a daemon; skipped");
	assert_notice(8, "fudge is for tsetd; skipped");
	assert_notice(10, "restrict is for tsetd; skipped");
	assert_notice(13, "restrict is for tsetd; skipped");
	assert_notice(15, "driftfile is for a daemon; skipped");
	assert_notice(16, "logfile is for tsetd; skipped");
	assert_notice(18, "interface is for tsetd; skipped");
	assert_notice(22, "127.127.46.0 is a reference clock for a daemon; skipped");
	assert_notice(23, "fudge is for tsetd; skipped");
	/* the server lines are tset's own: no notice */
	ck_assert_ptr_null(notice_of(2));
	ck_assert_ptr_null(notice_of(5));
	/* one notice per skipped line: 2 refclocks, 2 fudge, 4 restrict, 2 files, 2 interface */
	ck_assert_uint_eq(cfg.n_notices, 12);
	ck_assert_uint_eq(cfg.n_notices_dropped, 0);
}
END_TEST

START_TEST(test_config_guide_as_tsetd_notices_upstream_servers)
{
	parse_ok(guide_conf, CONFIG_PROGRAM_TSETD);
	assert_notice(2, "upstream server skipped: tsetd serves only reference clocks");
	assert_notice(5, "upstream server skipped: tsetd serves only reference clocks");
	assert_notice(15, "driftfile is for a daemon; skipped");
	ck_assert_ptr_null(notice_of(7));
	ck_assert_ptr_null(notice_of(8));
	ck_assert_ptr_null(notice_of(10));
	ck_assert_ptr_null(notice_of(16));
	ck_assert_ptr_null(notice_of(18));
	ck_assert_uint_eq(cfg.n_notices, 5);
	/* the servers are stored all the same, for a caller that wants them */
	ck_assert_uint_eq(cfg.n_servers, 4);
}
END_TEST

/* ---- Debian's stock files ---- */

static const char debian_ntp_conf[] =
	"# /etc/ntp.conf, configuration for ntpd; see ntp.conf(5) for help\n"	       /* 1 */
	"\n"									       /* 2 */
	"driftfile /var/lib/ntpsec/ntp.drift\n"					       /* 3 */
	"\n"									       /* 4 */
	"# Leap seconds definition provided by tzdata\n"			       /* 5 */
	"leapfile /usr/share/zoneinfo/leap-seconds.list\n"			       /* 6 */
	"\n"									       /* 7 */
	"# Enable this if you want statistics to be logged.\n"			       /* 8 */
	"#statsdir /var/log/ntpstats/\n"					       /* 9 */
	"\n"									       /* 10 */
	"statistics loopstats peerstats clockstats\n"				       /* 11 */
	"filegen loopstats file loopstats type day enable\n"			       /* 12 */
	"filegen peerstats file peerstats type day enable\n"			       /* 13 */
	"filegen clockstats file clockstats type day enable\n"			       /* 14 */
	"\n"									       /* 15 */
	"# This should be maxclock 7, but the pool entries count towards maxclock.\n"  /* 16 */
	"tos maxclock 11\n"							       /* 17 */
	"tos minclock 4 minsane 3\n"						       /* 18 */
	"\n"									       /* 19 */
	"# pool.ntp.org maps to about 1000 low-stratum NTP servers.\n"		       /* 20 */
	"pool 0.debian.pool.ntp.org iburst\n"					       /* 21 */
	"pool 1.debian.pool.ntp.org iburst\n"					       /* 22 */
	"pool 2.debian.pool.ntp.org iburst\n"					       /* 23 */
	"pool 3.debian.pool.ntp.org iburst\n"					       /* 24 */
	"\n"									       /* 25 */
	"# By default, exchange time with everybody, but don't allow configuration.\n" /* 26 */
	"restrict -4 default kod notrap nomodify nopeer noquery limited\n"	       /* 27 */
	"restrict -6 default kod notrap nomodify nopeer noquery limited\n"	       /* 28 */
	"\n"									       /* 29 */
	"# Local users may interrogate the ntp server more closely.\n"		       /* 30 */
	"restrict 127.0.0.1\n"							       /* 31 */
	"restrict ::1\n"							       /* 32 */
	"\n"									       /* 33 */
	"# Needed for adding pool entries\n"					       /* 34 */
	"restrict source notrap nomodify noquery\n"				       /* 35 */
	"\n"									       /* 36 */
	"# Clients from this (example!) subnet have unlimited access.\n"	       /* 37 */
	"#restrict 192.168.123.0 mask 255.255.255.0 notrust\n"			       /* 38 */
	"#broadcast 192.168.123.255\n"						       /* 39 */
	"#disable auth\n"							       /* 40 */
	"#broadcastclient\n";							       /* 41 */

START_TEST(test_config_accepts_debian_ntp_conf)
{
	const unsigned flags = CONFIG_RESTRICT_KOD | CONFIG_RESTRICT_NOTRAP |
			       CONFIG_RESTRICT_NOMODIFY | CONFIG_RESTRICT_NOPEER |
			       CONFIG_RESTRICT_NOQUERY | CONFIG_RESTRICT_LIMITED;
	const struct config_restrict *r = cfg.restricts;
	unsigned i;

	parse_ok(debian_ntp_conf, CONFIG_PROGRAM_TSET);
	ck_assert_uint_eq(cfg.n_servers, 4);
	for (i = 0; i < 4; i++) {
		ck_assert_uint_eq(cfg.servers[i].flags, CONFIG_SERVER_POOL | CONFIG_SERVER_IBURST);
		ck_assert_uint_eq(cfg.servers[i].line, 21 + i);
	}
	ck_assert_str_eq(cfg.servers[3].host, "3.debian.pool.ntp.org");
	ck_assert_uint_eq(cfg.n_restricts, 5);
	ck_assert(r[0].is_default && r[0].addr.family == AF_INET && r[0].flags == flags);
	ck_assert(r[1].is_default && r[1].addr.family == AF_INET6 && r[1].flags == flags);
	assert_addr(&r[2].addr, AF_INET, "127.0.0.1");
	assert_addr(&r[3].addr, AF_INET6, "::1");
	ck_assert(r[4].is_source && !r[4].is_default);
	ck_assert_uint_eq(r[4].flags, CONFIG_RESTRICT_NOTRAP | CONFIG_RESTRICT_NOMODIFY |
					      CONFIG_RESTRICT_NOQUERY);
	assert_notice(3, "driftfile is for a daemon; skipped");
	assert_notice(6, "leapfile is for a daemon; skipped");
	assert_notice(11, "statistics is for a daemon; skipped");
	assert_notice(14, "filegen is for a daemon; skipped");
	/* tset honours minclock and minsane, not the daemon's maxclock */
	assert_notice(17, "tos maxclock is for a daemon; skipped");
	ck_assert_ptr_null(notice_of(18));
	ck_assert_uint_eq(cfg.minclock, 4);
	ck_assert_uint_eq(cfg.minsane, 3);
	assert_notice(35, "restrict is for tsetd; skipped");
	ck_assert_ptr_null(notice_of(21));
	/* driftfile, leapfile, statistics, 3 filegen, 1 tos, 5 restrict */
	ck_assert_uint_eq(cfg.n_notices, 12);
}
END_TEST

static const char debian_ntpsec_conf[] =
	"# /etc/ntpsec/ntp.conf, configuration for ntpd; see ntp.conf(5) for help\n"
	"\n"
	"driftfile /var/lib/ntpsec/ntp.drift\n"
	"leapfile /usr/share/zoneinfo/leap-seconds.list\n"
	"\n"
	"# nts cert CERT_FILE\n"
	"# nts key KEY_FILE\n"
	"# nts enable\n"
	"\n"
	"#statsdir /var/log/ntpsec/\n"
	"#statistics loopstats peerstats clockstats\n"
	"#filegen loopstats file loopstats type day enable\n"
	"\n"
	"tos maxclock 11\n"
	"tos minclock 4 minsane 3\n"
	"\n"
	"# server time.cloudflare.com nts\n"
	"pool 0.debian.pool.ntp.org iburst\n"
	"pool 1.debian.pool.ntp.org iburst\n"
	"pool 2.debian.pool.ntp.org iburst\n"
	"pool 3.debian.pool.ntp.org iburst\n"
	"\n"
	"restrict default kod nomodify nopeer noquery limited\n"
	"restrict 127.0.0.1\n"
	"restrict ::1\n";

START_TEST(test_config_accepts_debian_ntpsec_conf)
{
	parse_ok(debian_ntpsec_conf, CONFIG_PROGRAM_TSETD);
	ck_assert_uint_eq(cfg.n_servers, 4);
	ck_assert_str_eq(cfg.servers[0].host, "0.debian.pool.ntp.org");
	ck_assert_uint_eq(cfg.n_restricts, 4);
	ck_assert_uint_eq(cfg.restricts[0].flags & CONFIG_RESTRICT_LIMITED,
			  CONFIG_RESTRICT_LIMITED);
	assert_notice(18, "upstream pool skipped: tsetd serves only reference clocks");
	assert_notice(14, "tos is for tset; skipped");
	assert_notice(15, "tos is for tset; skipped");
	ck_assert_ptr_null(notice_of(23));
}
END_TEST

/* The tsetd.conf example of tsetd(8). */
START_TEST(test_config_accepts_contract_tsetd_conf)
{
	parse_ok("server 127.127.1.0                 # local clock reference\n"
		 "fudge  127.127.1.0 stratum 10      # its stratum\n"
		 "server 127.127.46.0                # GPS through gpsd\n"
		 "fudge  127.127.46.0 time1 0.0 time2 0.0 refid GPS\n"
		 "restrict default kod nomodify notrap nopeer noquery\n"
		 "restrict 127.0.0.1\n"
		 "restrict -6 ::1\n"
		 "interface listen lo\n"
		 "interface ignore eth1\n"
		 "logfile /var/log/tsetd.log\n",
		 CONFIG_PROGRAM_TSETD);
	ck_assert_uint_eq(cfg.n_refclocks, 2);
	ck_assert_uint_eq(cfg.refclocks[0].stratum, 10);
	ck_assert_str_eq(cfg.refclocks[1].refid, "GPS");
	ck_assert_uint_eq(cfg.n_restricts, 4);
	ck_assert_uint_eq(cfg.n_interfaces, 2);
	ck_assert_str_eq(cfg.logfile, "/var/log/tsetd.log");
	ck_assert_uint_eq(cfg.n_notices, 0);
}
END_TEST

/* ---- every directive stores what it says ---- */

START_TEST(test_config_reads_server_options)
{
	const struct config_server *s = cfg.servers;

	parse_ok("server -4 192.0.2.1 key 7 version 3 port 10123 minpoll 4 maxpoll 6 prefer burst\n"
		 "server -6 fe80::1%eth0 noselect true preempt xleave autokey ttl 8 mode 3\n"
		 "peer ntp.example.org\n"
		 "pool -6 pool.example.org. iburst\n"
		 "server ntp_1.lan\n",
		 CONFIG_PROGRAM_TSET);
	ck_assert_uint_eq(cfg.n_servers, 5);
	ck_assert_str_eq(s[0].host, "192.0.2.1");
	ck_assert_int_eq(s[0].family, CONFIG_FAMILY_INET);
	ck_assert_uint_eq(s[0].keyid, 7);
	ck_assert_uint_eq(s[0].version, 3);
	ck_assert_uint_eq(s[0].port, 10123);
	ck_assert_int_eq(s[0].minpoll, 4);
	ck_assert_int_eq(s[0].maxpoll, 6);
	ck_assert_uint_eq(s[0].flags, CONFIG_SERVER_PREFER | CONFIG_SERVER_BURST);
	ck_assert_str_eq(s[1].host, "fe80::1%eth0");
	ck_assert_int_eq(s[1].family, CONFIG_FAMILY_INET6);
	ck_assert_uint_eq(s[1].flags, CONFIG_SERVER_NOSELECT | CONFIG_SERVER_TRUE);
	ck_assert_uint_eq(s[1].port, 123);
	ck_assert_int_eq(s[1].minpoll, 0);
	ck_assert_uint_eq(s[2].flags, CONFIG_SERVER_PEER);
	ck_assert_uint_eq(s[3].flags, CONFIG_SERVER_POOL | CONFIG_SERVER_IBURST);
	ck_assert_str_eq(s[3].host, "pool.example.org.");
	ck_assert_str_eq(s[4].host, "ntp_1.lan");
	/* what only a daemon does is said, once for the line */
	ck_assert_uint_eq(cfg.n_notices, 1);
	assert_notice(2, "server option 'preempt' is for a daemon; skipped");
}
END_TEST

START_TEST(test_config_reads_tset_directives)
{
	parse_ok("tinker step 0.5 panic 0\n"
		 "disable kernel\n"
		 "keys /etc/ntp.keys\n"
		 "trustedkey 1 2 65535\n"
		 "samples 8\n"
		 "timeout 0.25\n"
		 "deadline 3600\n"
		 "accuracy 1e-4\n"
		 "resolvconf /run/tset/resolv.conf\n",
		 CONFIG_PROGRAM_TSET);
	ck_assert(cfg.has_step && cfg.has_panic);
	ck_assert_double_eq(cfg.step_s, 0.5);
	ck_assert_double_eq(cfg.panic_s, 0.0);
	ck_assert(cfg.disable_kernel);
	ck_assert_str_eq(cfg.keys, "/etc/ntp.keys");
	ck_assert_uint_eq(cfg.n_trusted, 3);
	ck_assert_uint_eq(cfg.trusted[0].lo, 1);
	ck_assert_uint_eq(cfg.trusted[2].hi, 65535);
	ck_assert(cfg.has_samples && cfg.samples == 8);
	ck_assert(cfg.has_timeout && cfg.timeout_s == 0.25);
	ck_assert(cfg.has_deadline && cfg.deadline_s == 3600.0);
	ck_assert(cfg.has_accuracy && cfg.accuracy_s == 1e-4);
	ck_assert_str_eq(cfg.resolvconf, "/run/tset/resolv.conf");
	ck_assert_uint_eq(cfg.n_notices, 0);
}
END_TEST

START_TEST(test_config_tset_directives_are_noticed_by_tsetd)
{
	parse_ok("samples 2\ntinker step 0\nkeys /k\n", CONFIG_PROGRAM_TSETD);
	assert_notice(1, "samples is for tset; skipped");
	assert_notice(2, "tinker is for tset; skipped");
	ck_assert_uint_eq(cfg.n_notices, 2); /* keys: both programs use it */
	/* still parsed and stored */
	ck_assert(cfg.has_samples && cfg.samples == 2);
	ck_assert(cfg.has_step && cfg.step_s == 0.0);
}
END_TEST

START_TEST(test_config_tinker_daemon_keys_get_one_notice)
{
	parse_ok("tinker panic 600 stepout 900 huffpuff 7200\ntinker step 0.2\n",
		 CONFIG_PROGRAM_TSET);
	ck_assert_double_eq(cfg.panic_s, 600.0);
	ck_assert_double_eq(cfg.step_s, 0.2);
	ck_assert_uint_eq(cfg.n_notices, 1);
	assert_notice(1, "tinker stepout is for a daemon; skipped");
}
END_TEST

START_TEST(test_config_reads_tos_limits_and_skips_the_daemon_keys)
{
	parse_ok("tos minsane 3\n"
		 "tos minclock 4 maxdist 16\n"
		 "tos orphan 10 orphanwait 300\n"
		 "tos basedate 2024-01-01 mindist 0.02\n"
		 "tos maxclock 11 minsane 2\n",
		 CONFIG_PROGRAM_TSET);
	ck_assert_uint_eq(cfg.minsane, 2); /* the last one wins */
	ck_assert_uint_eq(cfg.minclock, 4);
	ck_assert_double_eq(cfg.maxdist_s, 16.0);
	ck_assert_ptr_null(notice_of(1));
	ck_assert_ptr_null(notice_of(2));
	assert_notice(3, "tos orphan is for a daemon; skipped");
	assert_notice(4, "tos basedate is for a daemon; skipped");
	assert_notice(5, "tos maxclock is for a daemon; skipped");
	ck_assert_uint_eq(cfg.n_notices, 3);
	/* none given: zero, the defaults */
	config_init(&cfg);
	ck_assert_uint_eq(cfg.minsane, 0);
	ck_assert_uint_eq(cfg.minclock, 0);
	ck_assert_double_eq(cfg.maxdist_s, 0.0);
}
END_TEST

START_TEST(test_config_enable_disable_kernel_last_wins)
{
	parse_ok("disable kernel\nenable kernel\n", CONFIG_PROGRAM_TSET);
	ck_assert(!cfg.disable_kernel);
	ck_assert_uint_eq(cfg.n_notices, 0);
	parse_ok("enable kernel\ndisable monitor kernel\n", CONFIG_PROGRAM_TSET);
	ck_assert(cfg.disable_kernel);
	assert_notice(2, "disable monitor is for a daemon; skipped");
}
END_TEST

START_TEST(test_config_reads_tsetd_directives)
{
	parse_ok("port 10123\n"
		 "gpsd [::1]:2948\n"
		 "discard average 4 minimum 1 monitor 3000\n"
		 "logfile /var/log/tsetd.log\n",
		 CONFIG_PROGRAM_TSETD);
	ck_assert(cfg.has_port && cfg.port == 10123);
	ck_assert_str_eq(cfg.gpsd_host, "::1");
	ck_assert_uint_eq(cfg.gpsd_port, 2948);
	ck_assert(cfg.has_discard);
	ck_assert_int_eq(cfg.discard_average_log2, 4);
	ck_assert_uint_eq(cfg.discard_minimum_s, 1);
	ck_assert_uint_eq(cfg.discard_monitor, 3000);
	parse_ok("gpsd gps.lan\ndiscard minimum 0\n", CONFIG_PROGRAM_TSETD);
	ck_assert_str_eq(cfg.gpsd_host, "gps.lan");
	ck_assert_uint_eq(cfg.gpsd_port, 0);
	ck_assert_int_eq(cfg.discard_average_log2, 3); /* default kept */
	ck_assert_uint_eq(cfg.discard_minimum_s, 0);
	parse_ok("limitprefix ipv6 56 ipv4 24\nstatsinterval 1\n", CONFIG_PROGRAM_TSETD);
	ck_assert(cfg.has_limitprefix && cfg.has_statsinterval);
	ck_assert_uint_eq(cfg.limit_prefix4, 24);
	ck_assert_uint_eq(cfg.limit_prefix6, 56);
	ck_assert_double_eq(cfg.stats_interval_s, 1.0);
	parse_ok("limitprefix ipv6 128\nstatsinterval 86400\n", CONFIG_PROGRAM_TSETD);
	ck_assert_uint_eq(cfg.limit_prefix4, 32); /* default kept */
	ck_assert_uint_eq(cfg.limit_prefix6, 128);
	ck_assert_double_eq(cfg.stats_interval_s, 86400.0);
	/* tset skips them, validated all the same */
	parse_ok("limitprefix ipv4 16\nstatsinterval 2.5\n", CONFIG_PROGRAM_TSET);
	assert_notice(1, "limitprefix is for tsetd; skipped");
	assert_notice(2, "statsinterval is for tsetd; skipped");
}
END_TEST

/* notrust (ntpd: serve only authenticated clients) is stored for tsetd;
 * tset, which skips restrict lines, reads it too. */
START_TEST(test_config_tsetd_keeps_notrust)
{
	const char *text = "restrict default kod nomodify\n"
			   "restrict 192.168.123.0 mask 255.255.255.0 nomodify notrust limited\n";

	parse_ok(text, CONFIG_PROGRAM_TSETD);
	ck_assert_uint_eq(cfg.restricts[2].flags & CONFIG_RESTRICT_NOTRUST,
			  CONFIG_RESTRICT_NOTRUST);
	parse_ok(text, CONFIG_PROGRAM_TSET);
	assert_notice(2, "restrict is for tsetd; skipped");
}
END_TEST

START_TEST(test_config_reads_refclock_options_and_fudge_flags)
{
	const struct config_refclock *rc = &cfg.refclocks[0];

	parse_ok(
		"server 127.127.28.2 mode 1 minpoll 4 maxpoll 4 prefer noselect true iburst burst\n"
		"fudge 127.127.28.2 time1 -0.25 time2 1.5e-3 stratum 0 refid PPS flag1 1 flag2 0 "
		"flag3 1 flag4 1\n"
		"fudge 127.127.28.2 stratum 3\n",
		CONFIG_PROGRAM_TSETD);
	ck_assert_uint_eq(cfg.n_refclocks, 1);
	ck_assert_uint_eq(rc->type, 28);
	ck_assert_uint_eq(rc->unit, 2);
	ck_assert_int_eq(rc->mode, 1);
	ck_assert_uint_eq(rc->flags, CONFIG_SERVER_PREFER | CONFIG_SERVER_NOSELECT |
					     CONFIG_SERVER_TRUE | CONFIG_SERVER_IBURST |
					     CONFIG_SERVER_BURST);
	ck_assert_double_eq(rc->time1_s, -0.25);
	ck_assert_double_eq(rc->time2_s, 1.5e-3);
	ck_assert_uint_eq(rc->stratum, 3); /* the later fudge wins */
	ck_assert_str_eq(rc->refid, "PPS");
	ck_assert(rc->flag[0] && !rc->flag[1] && rc->flag[2] && rc->flag[3]);
	ck_assert_uint_eq(rc->fudge_set, 0xff);
	ck_assert_uint_eq(cfg.n_servers, 0);
}
END_TEST

START_TEST(test_config_restrict_stores_network_and_prefix)
{
	const struct config_restrict *r = cfg.restricts;

	parse_ok("restrict 192.0.2.77 mask 255.255.255.0 nomodify notrap\n"
		 "restrict 10.1.2.3/8 ignore\n"
		 "restrict -6 2001:db8::1:2/48 noserve limited\n"
		 "restrict 2001:db8:ffff::1 mask ffff:ffff:: kod\n"
		 "restrict -4 default ignore\n"
		 "restrict -6 source\n"
		 "restrict 0.0.0.0 mask 0.0.0.0 lowpriotrap ntpport version nomrulist noepeer\n"
		 "restrict 10.1.31.5 mask 255.255.240.0\n",
		 CONFIG_PROGRAM_TSETD);
	ck_assert_uint_eq(cfg.n_restricts, 8);
	assert_addr(&r[7].addr, AF_INET, "10.1.16.0");
	ck_assert_uint_eq(r[7].prefix, 20);
	assert_addr(&r[0].addr, AF_INET, "192.0.2.0");
	ck_assert_uint_eq(r[0].prefix, 24);
	ck_assert_uint_eq(r[0].flags, CONFIG_RESTRICT_NOMODIFY | CONFIG_RESTRICT_NOTRAP);
	assert_addr(&r[1].addr, AF_INET, "10.0.0.0");
	ck_assert_uint_eq(r[1].prefix, 8);
	assert_addr(&r[2].addr, AF_INET6, "2001:db8::");
	ck_assert_uint_eq(r[2].prefix, 48);
	ck_assert_uint_eq(r[2].flags, CONFIG_RESTRICT_NOSERVE | CONFIG_RESTRICT_LIMITED);
	assert_addr(&r[3].addr, AF_INET6, "2001:db8::");
	ck_assert_uint_eq(r[3].prefix, 32);
	ck_assert(r[4].is_default && r[4].addr.family == AF_INET && r[4].prefix == 0);
	ck_assert_uint_eq(r[4].flags, CONFIG_RESTRICT_IGNORE);
	ck_assert(r[5].is_source && r[5].addr.family == AF_INET6 && r[5].flags == 0);
	ck_assert_uint_eq(r[6].prefix, 0);
	ck_assert_uint_eq(r[6].flags, CONFIG_RESTRICT_LOWPRIOTRAP | CONFIG_RESTRICT_NTPPORT |
					      CONFIG_RESTRICT_VERSION | CONFIG_RESTRICT_NOMRULIST |
					      CONFIG_RESTRICT_NOEPEER);
}
END_TEST

START_TEST(test_config_interface_rules_follow_ntpd)
{
	const struct config_interface *it = cfg.interfaces;

	parse_ok("interface ignore all\n"
		 "interface listen 127.0.0.3\n"
		 "interface drop ipv6\n"
		 "interface listen ipv4\n"
		 "interface ignore wildcard\n"
		 "interface listen 192.0.2.9/24\n"
		 "nic listen eth0:1\n"
		 "interface listen fe80::1\n",
		 CONFIG_PROGRAM_TSETD);
	ck_assert_uint_eq(cfg.n_interfaces, 8);
	ck_assert(it[0].action == CONFIG_IF_IGNORE && it[0].match == CONFIG_IF_ALL);
	ck_assert(it[1].action == CONFIG_IF_LISTEN && it[1].match == CONFIG_IF_PREFIX);
	assert_addr(&it[1].addr, AF_INET, "127.0.0.3");
	ck_assert_uint_eq(it[1].prefix, 32);
	ck_assert(it[2].action == CONFIG_IF_DROP && it[2].match == CONFIG_IF_IPV6);
	ck_assert_int_eq(it[3].match, CONFIG_IF_IPV4);
	ck_assert_int_eq(it[4].match, CONFIG_IF_WILDCARD);
	assert_addr(&it[5].addr, AF_INET, "192.0.2.0");
	ck_assert_uint_eq(it[5].prefix, 24);
	ck_assert(it[6].match == CONFIG_IF_NAME && strcmp(it[6].ifname, "eth0:1") == 0);
	assert_addr(&it[7].addr, AF_INET6, "fe80::1");
	ck_assert_uint_eq(it[7].prefix, 128);
	ck_assert_uint_eq(it[7].line, 8);
}
END_TEST

START_TEST(test_config_skips_daemon_directives_without_validating)
{
	parse_ok("logconfig =syncall +clockall\n"
		 "crypto pw ]]]\n"
		 "statsdir\n"
		 "pollskewlist 4 7|8 default 1|2\n"
		 "refclock gpsd unit 0\n"
		 "nts enable\n",
		 CONFIG_PROGRAM_TSETD);
	ck_assert_uint_eq(cfg.n_notices, 6);
	assert_notice(1, "logconfig is for a daemon; skipped");
	assert_notice(3, "statsdir is for a daemon; skipped");
	assert_notice(4, "pollskewlist is for a daemon; skipped");
	assert_notice(5, "refclock is for a daemon; skipped");
}
END_TEST

/* ---- valid ntpd 4.2.8 and ntpsec syntax never stops either program ---- */

static const char *const config_valid_lines[] = {
	/* Samba domain controllers */
	"restrict default kod nomodify notrap nopeer mssntp\n",
	"ntpsigndsocket /var/lib/samba/ntp_signd/\n",
	/* ntpd 4.2.8p15 and later */
	"restrict default serverresponse fuzz\n",
	"restrict -4 default kod limited nomodify notrap nopeer noquery ippeerlimit 4\n",
	"restrict 192.0.2.0 mask 255.255.255.0 noepeer epeer flake version ntpport\n",
	"restrict source nomodify notrap noquery ippeerlimit -1\n",
	"delrestrict 192.0.2.0 mask 255.255.255.0\n",
	"trustedkey 1 (3 ... 5) 9\n",
	"trustedkey (10...12) ( 20 ... 22 )\n",
	"server 192.0.2.1 iburst xmtnonce\n",
	"server 192.0.2.1 autokey preempt ttl 8 xleave mode 3\n",
	"pollskewlist 4 7|8 default 1|2\n",
	"device 127.127.20.0 timedata /dev/gps0 ppsdata /dev/pps0\n",
	"leapfile /usr/share/zoneinfo/leap-seconds.list checkhash\n",
	"tos basedate 2020-01-01 bcpollbstep 0 cohort 1 beacon 3600\n",
	"tos ceiling 10 floor 2 orphan 10 orphanwait 300 maxdisp 16 mindist 0.001\n",
	"tinker stepback 600 stepfwd 600 stepout 900 allan 1500\n",
	"enable peer_clear_digest_early unpeer_crypto_early stats\n",
	"leapsmearinterval 86400\n",
	"mdnstries 5\n",
	"dscp 46\n",
	"rlimit memlock 32 stacksize 50 filenum 100\n",
	"mru maxdepth 8192 maxage 64\n",
	"reset allpeers io mem sys timer ctl auth\n",
	"filegen loopstats file loopstats type day enable\n",
	"statistics loopstats peerstats clockstats\n",
	"setvar foo = bar default\n",
	"broadcastclient\n",
	"manycastserver 239.255.254.254\n",
	"crypto pw secret randfile /dev/urandom\n",
	"tick 0.01\n",
	/* ntpsec */
	"server time.cloudflare.com nts\n",
	"server nts.example.org nts ca /etc/ssl/certs/x.pem noval expire 7 aead AES_SIV_CMAC_256\n",
	"server nts.example.org nts ask ntp2.example.org require ntp3.example.org\n",
	"server nts.netnod.se:4460 nts iburst\n",
	"server [2001:db8::1]:4460 nts\n",
	"server 192.0.2.1 bias 0.001 minpoll 4 maxpoll 6\n",
	"pool 2.debian.pool.ntp.org iburst\n",
	"nts enable\n",
	"nts cert /etc/ntpsec/cert.pem key /etc/ntpsec/key.pem mintls TLS1.3\n",
	"refclock gpsd unit 0 refid GPS minpoll 4\n",
	"refclock shm unit 0 refid PPS time1 0.0 flag1 1\n",
	"unrestrict 192.0.2.1 noquery\n",
	"limit average 2.0 burst 16 kod 8\n",
	"extra port 123\n",
	"driftfile /var/lib/ntpsec/ntp.drift 0.3\n",
	/* fudge factors of ntpd 4.2.8p16 and later */
	"server 127.127.1.0\nfudge 127.127.1.0 stratum 10 abbrev LCL minjitter 0.002\n",
};

START_TEST(test_config_accepts_every_ntpd_and_ntpsec_line)
{
	const char *text = config_valid_lines[_i];

	/* a build without NTS refuses nts lines (test_config_reads_nts_servers) */
	if (!config_has_nts() && strstr(text, " nts"))
		return;

	parse_ok(text, CONFIG_PROGRAM_TSET);
	parse_ok(text, CONFIG_PROGRAM_TSETD);
}
END_TEST

START_TEST(test_config_reads_trustedkey_ranges)
{
	parse_ok("trustedkey 1 (3 ... 5) 9 (10...12) ( 20 ... 22 )\n", CONFIG_PROGRAM_TSET);
	ck_assert_uint_eq(cfg.n_trusted, 5);
	ck_assert(cfg.trusted[0].lo == 1 && cfg.trusted[0].hi == 1);
	ck_assert(cfg.trusted[1].lo == 3 && cfg.trusted[1].hi == 5);
	ck_assert(cfg.trusted[2].lo == 9 && cfg.trusted[2].hi == 9);
	ck_assert(cfg.trusted[3].lo == 10 && cfg.trusted[3].hi == 12);
	ck_assert(cfg.trusted[4].lo == 20 && cfg.trusted[4].hi == 22);
	ck_assert_int_eq(parse("trustedkey (5 ... 3)\n", CONFIG_PROGRAM_TSET), -EINVAL);
	ck_assert_str_eq(err.msg,
			 "bad trustedkey range (5 ... 3) (expected ids 1..65535, low first)");
	ck_assert_int_eq(parse("trustedkey (3 ... \n", CONFIG_PROGRAM_TSET), -EINVAL);
	ck_assert_int_eq(parse("trustedkey 3 ... 5\n", CONFIG_PROGRAM_TSET), -EINVAL);
	ck_assert_int_eq(parse("trustedkey x\n", CONFIG_PROGRAM_TSET), -EINVAL);
	ck_assert_uint_eq(err.col, 12);
}
END_TEST

START_TEST(test_config_reads_tos_floor_and_ceiling)
{
	parse_ok("tos floor 2 ceiling 10 orphan 10\n", CONFIG_PROGRAM_TSET);
	ck_assert_uint_eq(cfg.tos_floor, 2);
	ck_assert_uint_eq(cfg.tos_ceiling, 10);
	/* orphan mode is a daemon's: validated, then said */
	assert_notice(1, "tos orphan is for a daemon; skipped");
	/* a stratum-15 server would make tset's stratum 16 */
	ck_assert_int_eq(parse("tos ceiling 16\n", CONFIG_PROGRAM_TSET), -EINVAL);
	ck_assert_int_eq(parse("tos ceiling 0\n", CONFIG_PROGRAM_TSET), -EINVAL);
	ck_assert_int_eq(parse("tos floor 15\n", CONFIG_PROGRAM_TSET), -EINVAL);
	ck_assert_int_eq(parse("tos ceiling 3 floor 3\n", CONFIG_PROGRAM_TSET), -EINVAL);
	ck_assert_str_eq(err.msg, "tos floor 3 not below tos ceiling 3 (no stratum left)");
	ck_assert_int_eq(parse("tos orphan 17\n", CONFIG_PROGRAM_TSET), -EINVAL);
}
END_TEST

START_TEST(test_config_reads_samba_and_fuzz_restrict_flags)
{
	parse_ok("restrict default kod nomodify notrap nopeer mssntp\n"
		 "restrict 192.0.2.0/24 serverresponse fuzz ippeerlimit 3\n",
		 CONFIG_PROGRAM_TSETD);
	ck_assert_uint_eq(cfg.n_restricts, 3);
	ck_assert(cfg.restricts[0].flags & CONFIG_RESTRICT_MSSNTP);
	ck_assert(cfg.restricts[0].flags & CONFIG_RESTRICT_KOD);
	ck_assert(cfg.restricts[2].flags & CONFIG_RESTRICT_FUZZ);
	ck_assert_int_eq(cfg.restricts[2].ippeerlimit, 3);
	assert_notice(1, "restrict flag 'mssntp' skipped: tsetd does not sign replies for Samba");
	ck_assert_int_eq(parse("restrict default serverresponse\n", CONFIG_PROGRAM_TSETD), -EINVAL);
	ck_assert_int_eq(parse("restrict default serverresponse slow\n", CONFIG_PROGRAM_TSETD),
			 -EINVAL);
	ck_assert_str_eq(err.msg, "unknown serverresponse option 'slow' (expected fuzz)");
	ck_assert_int_eq(parse("restrict default ippeerlimit x\n", CONFIG_PROGRAM_TSETD), -EINVAL);
}
END_TEST

START_TEST(test_config_reads_nts_servers)
{
	if (!config_has_nts()) {
		/* a build without NTS: the line is an error that names it */
		ck_assert_int_eq(parse("server time.cloudflare.com nts\n", CONFIG_PROGRAM_TSET),
				 -EINVAL);
		ck_assert_uint_eq(err.line, 1);
		ck_assert_ptr_nonnull(strstr(err.msg, "built without NTS"));
		return;
	}
	parse_ok("server time.cloudflare.com nts\n"
		 "server a.example ca /etc/x.pem\n",
		 CONFIG_PROGRAM_TSET);
	ck_assert_uint_eq(cfg.servers[0].flags, CONFIG_SERVER_NTS);
	ck_assert_ptr_null(notice_of(1));
	assert_notice(2, "server option 'ca' is for nts, which is not on this line; skipped");
	parse_ok("server nts.netnod.se:4460 nts\nserver [2001:db8::1]:10123\n",
		 CONFIG_PROGRAM_TSET);
	ck_assert_str_eq(cfg.servers[0].host, "nts.netnod.se");
	ck_assert_uint_eq(cfg.servers[0].port, 4460);
	ck_assert_str_eq(cfg.servers[1].host, "2001:db8::1");
	ck_assert_uint_eq(cfg.servers[1].port, 10123);
	ck_assert_int_eq(parse("server a.example nts ca\n", CONFIG_PROGRAM_TSET), -EINVAL);
	ck_assert_str_eq(err.msg, "missing argument to 'ca'");
}
END_TEST

/* With nts, port is the key exchange's: ntsport (chrony), else ntpsec's
 * host:port, else 4460; `port` is then the NTP port; ca and
 * ntstrustedcerts are kept. */
START_TEST(test_config_nts_ports_and_trust_anchors)
{
	if (!config_has_nts())
		return; /* test_config_reads_nts_servers holds the error */
	parse_ok("server a.example nts\n"
		 "server b.example nts ntsport 1234 port 10123 ca /etc/b.pem\n"
		 "server c.example:4461 nts\n"
		 "server d.example port 10124\n"
		 "ntstrustedcerts /etc/ca.pem\n",
		 CONFIG_PROGRAM_TSET);
	ck_assert_uint_eq(cfg.servers[0].port, 4460);
	ck_assert_uint_eq(cfg.servers[0].ntp_port, 0);
	ck_assert_str_eq(cfg.servers[0].ca, "");
	ck_assert_uint_eq(cfg.servers[1].port, 1234);
	ck_assert_uint_eq(cfg.servers[1].ntp_port, 10123);
	ck_assert_str_eq(cfg.servers[1].ca, "/etc/b.pem");
	ck_assert_uint_eq(cfg.servers[2].port, 4461);
	ck_assert_uint_eq(cfg.servers[3].port, 10124);
	ck_assert_str_eq(cfg.ntstrustedcerts, "/etc/ca.pem");
	ck_assert_int_eq(parse("server a.example nts ntsport 0\n", CONFIG_PROGRAM_TSET), -EINVAL);
	ck_assert_int_eq(parse("ntstrustedcerts\n", CONFIG_PROGRAM_TSET), -EINVAL);
}
END_TEST

START_TEST(test_config_restrict_by_name_never_serves_more)
{
	/* Samba's and others' lines for their upstream servers: what they say
	 * changes nothing tsetd serves, so leaving them out serves no more */
	parse_ok("restrict default ignore\n"
		 "restrict 0.pool.ntp.org mask 255.255.255.255 nomodify notrap nopeer noquery\n",
		 CONFIG_PROGRAM_TSETD);
	ck_assert_uint_eq(cfg.n_restricts, 2);
	assert_notice(2, "restrict '0.pool.ntp.org' skipped: tsetd does not resolve names");
	/* a line that denies cannot be left out: that would serve the host */
	ck_assert_int_eq(parse("restrict bad.example.org ignore\n", CONFIG_PROGRAM_TSETD), -EINVAL);
	ck_assert_str_eq(err.msg, "restrict 'bad.example.org' denies, and tsetd does not resolve "
				  "names: give its addresses");
	ck_assert_int_eq(parse("restrict bad.example.org limited kod\n", CONFIG_PROGRAM_TSETD),
			 -EINVAL);
	/* tset skips restrict lines whatever they say */
	parse_ok("restrict bad.example.org ignore\n", CONFIG_PROGRAM_TSET);
	ck_assert_uint_eq(cfg.n_restricts, 0);
	ck_assert_int_eq(parse("restrict a.example mask x\n", CONFIG_PROGRAM_TSET), -EINVAL);
}
END_TEST

START_TEST(test_config_unrestrict_removes_exactly_the_entry_named)
{
	/* a line that opened a network and a later line that takes it back:
	 * tsetd keeps what the file ends with, not the opening */
	parse_ok("restrict default ignore\n"
		 "restrict 10.0.0.0 mask 255.0.0.0 nomodify\n"
		 "restrict 10.1.0.0/16\n"
		 "restrict ::1\n"
		 "delrestrict 10.0.0.0 mask 255.0.0.0\n"
		 "unrestrict -6 default\n",
		 CONFIG_PROGRAM_TSETD);
	ck_assert_uint_eq(cfg.n_restricts, 3);
	ck_assert(cfg.restricts[0].is_default && cfg.restricts[0].addr.family == AF_INET);
	ck_assert_uint_eq(cfg.restricts[1].prefix, 16); /* 10.1/16 is another entry */
	ck_assert_uint_eq(cfg.restricts[2].addr.family, AF_INET6);
	ck_assert_uint_eq(cfg.restricts[2].prefix, 128);
	/* nothing of that address and prefix: said, and nothing removed */
	parse_ok("restrict 10.0.0.0/8\nunrestrict 10.0.0.0/16\n", CONFIG_PROGRAM_TSETD);
	ck_assert_uint_eq(cfg.n_restricts, 1);
	assert_notice(2, "unrestrict: no restrict line of that address");
	/* ntpsec's unrestrict with flags clears them from the entry */
	parse_ok("restrict 10.0.0.0/8 limited kod nomodify\nunrestrict 10.0.0.0/8 kod\n",
		 CONFIG_PROGRAM_TSETD);
	ck_assert_uint_eq(cfg.n_restricts, 1);
	ck_assert_uint_eq(cfg.restricts[0].flags & (CONFIG_RESTRICT_KOD | CONFIG_RESTRICT_LIMITED),
			  CONFIG_RESTRICT_LIMITED);
	/* ntpd's delrestrict takes none */
	ck_assert_int_eq(parse("delrestrict 10.0.0.0/8 ignore\n", CONFIG_PROGRAM_TSETD), -EINVAL);
	/* tset has no restrict entries: skipped with the directive's notice */
	parse_ok("delrestrict 10.0.0.0/8\n", CONFIG_PROGRAM_TSET);
	assert_notice(1, "delrestrict is for tsetd; skipped");
}
END_TEST

START_TEST(test_config_includefile_needs_a_reader)
{
	/* config_parse reads no file: a config is never used half */
	ck_assert_int_eq(parse("server a.example\nincludefile b.conf\n", CONFIG_PROGRAM_TSETD),
			 -EINVAL);
	ck_assert_uint_eq(err.line, 2);
	ck_assert_str_eq(err.msg, "includefile 'b.conf' cannot be read here");
}
END_TEST

START_TEST(test_config_bounds_notices_and_counts_the_rest)
{
	char text[CONFIG_MAX_NOTICES * 40];
	size_t len = 0;
	unsigned i;

	for (i = 0; i < CONFIG_MAX_NOTICES + 5; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "driftfile /d%u\n", i);
	ck_assert_uint_lt(len, sizeof(text) - 1);
	parse_ok(text, CONFIG_PROGRAM_TSET);
	ck_assert_uint_eq(cfg.n_notices, CONFIG_MAX_NOTICES);
	ck_assert_uint_eq(cfg.n_notices_dropped, 5);
	ck_assert_uint_eq(cfg.notices[CONFIG_MAX_NOTICES - 1].line, CONFIG_MAX_NOTICES);
}
END_TEST

START_TEST(test_config_tolerates_crlf_tabs_and_missing_final_newline)
{
	parse_ok("server\ta.example.org\tiburst\r\n"
		 "  \t server b.example.org#comment glued on\r\n"
		 "\r\n"
		 "server c.example.org prefer",
		 CONFIG_PROGRAM_TSET);
	ck_assert_uint_eq(cfg.n_servers, 3);
	ck_assert_str_eq(cfg.servers[0].host, "a.example.org");
	ck_assert_uint_eq(cfg.servers[0].flags, CONFIG_SERVER_IBURST);
	ck_assert_str_eq(cfg.servers[1].host, "b.example.org");
	ck_assert_uint_eq(cfg.servers[1].flags, 0);
	ck_assert_str_eq(cfg.servers[2].host, "c.example.org");
	ck_assert_uint_eq(cfg.servers[2].flags, CONFIG_SERVER_PREFER);
	ck_assert_uint_eq(cfg.servers[2].line, 4);
}
END_TEST

START_TEST(test_config_skips_utf8_byte_order_mark)
{
	parse_ok("\xef\xbb\xbfserver a.example.org\nsamples 2\n", CONFIG_PROGRAM_TSET);
	ck_assert_uint_eq(cfg.n_servers, 1);
	ck_assert_str_eq(cfg.servers[0].host, "a.example.org");
	ck_assert_uint_eq(cfg.samples, 2);
}
END_TEST

START_TEST(test_config_accepts_line_of_exactly_max_length)
{
	char text[CONFIG_MAX_LINE + 3];

	memset(text, ' ', sizeof(text));
	memcpy(text, "samples 3", 9);
	text[CONFIG_MAX_LINE - 1] = '#';
	text[CONFIG_MAX_LINE] = '\r'; /* CR of a CRLF does not count */
	text[CONFIG_MAX_LINE + 1] = '\n';
	text[CONFIG_MAX_LINE + 2] = '\0';
	parse_ok(text, CONFIG_PROGRAM_TSET);
	ck_assert_uint_eq(cfg.samples, 3);
}
END_TEST

/* ---- errors: file:line:col and message ---- */

struct bad_line {
	const char *text;
	unsigned line, col;
	const char *msg; /* a substring of the message */
};

static const struct bad_line bad_lines[] = {
	{ "bogus 1\n", 1, 1, "unknown directive 'bogus'" },
	{ "Server a.example.org\n", 1, 1, "unknown directive 'Server'" },
	{ "timeout abc\n", 1, 9, "bad number 'abc' for timeout (expected seconds 0 < S <= 60)" },
	{ "timeout 61\n", 1, 9, "timeout '61' out of range (expected seconds 0 < S <= 60)" },
	{ "timeout 0\n", 1, 9, "timeout '0' out of range" },
	{ "timeout 0x10\n", 1, 9, "bad number '0x10' for timeout" },
	{ "timeout inf\n", 1, 9, "bad number 'inf' for timeout" },
	{ "timeout nan\n", 1, 9, "bad number 'nan' for timeout" },
	{ "timeout 1 2\n", 1, 11, "unexpected argument '2' to 'timeout'" },
	{ "deadline 3601\n", 1, 10, "deadline '3601' out of range" },
	{ "accuracy 2\n", 1, 10, "accuracy '2' out of range" },
	{ "samples 9\n", 1, 9, "samples '9' out of range (expected an integer 1..8)" },
	{ "samples -1\n", 1, 9, "bad number '-1' for samples" },
	{ "samples\n", 1, 8, "missing argument to 'samples'" },
	{ "samples 99999999999999999999999\n", 1, 9,
	  "samples '99999999999999999999999' out of range" },
	{ "timeout 1e\n", 1, 9, "bad number '1e' for timeout" },
	{ "timeout .\n", 1, 9, "bad number '.' for timeout" },
	{ "server a.example.org key\n", 1, 25, "missing argument to 'key'" },
	{ "server\n", 1, 7, "missing argument to 'server'" },
	{ "server -4\n", 1, 10, "missing argument to 'server'" },
	{ "server ntp.example.org fast\n", 1, 24, "unknown server option 'fast'" },
	{ "server a.example.org key 0\n", 1, 26,
	  "key '0' out of range (expected an integer 1..65535)" },
	{ "server a.example.org version 5\n", 1, 30, "version '5' out of range" },
	{ "server a.example.org port 65536\n", 1, 27, "port '65536' out of range" },
	{ "server bad_host!\n", 1, 8, "bad host 'bad_host!'" },
	{ "server -bad.example.org\n", 1, 8, "bad host '-bad.example.org'" },
	{ "server 1.2.3.256\n", 1, 8, "bad host '1.2.3.256'" },
	{ "server [::1]\n", 1, 8, "bad host '[::1]'" },
	{ "server -6 192.0.2.1\n", 1, 11, "-6 given with the ipv4 address '192.0.2.1'" },
	{ "server -4 ::1\n", 1, 11, "-4 given with the ipv6 address '::1'" },
	{ "server a.example.org minpoll 10 maxpoll 6\n", 1, 41,
	  "minpoll 10 greater than maxpoll 6" },
	{ "server a.example.org minpoll 2\n", 1, 30, "minpoll '2' out of range" },
	{ "server 127.127.1.0 key 5\n", 1, 20, "option 'key' is not for a reference clock" },
	{ "server 127.127.1.0\nserver 127.127.1.0\n", 2, 8,
	  "reference clock '127.127.1.0' declared twice" },
	{ "pool 127.127.1.0\n", 1, 6, "pool needs a host name" },
	{ "restrict 10.0.0.300\n", 1, 10, "bad restrict address '10.0.0.300'" },
	{ "restrict 10.0.0.0 mask 255.0.255.0\n", 1, 24, "non-contiguous mask '255.0.255.0'" },
	{ "restrict 10.0.0.0 mask 255.255.253.0\n", 1, 24, "non-contiguous mask '255.255.253.0'" },
	{ "restrict 10.0.0.0 mask ffff::\n", 1, 24, "bad mask 'ffff::'" },
	{ "restrict 10.0.0.0 mask\n", 1, 23, "missing argument to 'mask'" },
	{ "restrict 10.0.0.0/8 mask 255.0.0.0\n", 1, 21, "mask given after a prefix length" },
	{ "restrict 10.0.0.0/33\n", 1, 10, "bad prefix length in '10.0.0.0/33'" },
	{ "restrict -4 ::1\n", 1, 13, "-4 given with the ipv6 address '::1'" },
	{ "restrict -6 127.0.0.1 nomodify\n", 1, 13, "-6 given with the ipv4 address" },
	{ "restrict default nomodfy\n", 1, 18, "unknown restrict flag 'nomodfy'" },
	{ "restrict\n", 1, 9, "missing argument to 'restrict'" },
	{ "server 127.127.1.0\nfudge 127.127.1.1 stratum 10\n", 2, 7,
	  "fudge for undeclared reference clock '127.127.1.1'" },
	{ "fudge 192.0.2.1 stratum 1\n", 1, 7, "fudge needs a reference clock address" },
	{ "server 127.127.46.0\nfudge 127.127.46.0 refid GPSXX\n", 2, 26,
	  "refid 'GPSXX' too long (expected 1..4 characters)" },
	{ "server 127.127.1.0\nfudge 127.127.1.0 refid G\xc3\xa9\n", 2, 25, "refid 'G" },
	{ "server 127.127.1.0\nfudge 127.127.1.0 stratum 16\n", 2, 27,
	  "stratum '16' out of range (expected an integer 0..15)" },
	{ "server 127.127.1.0\nfudge 127.127.1.0 flag2 2\n", 2, 25, "flag2 '2' out of range" },
	{ "server 127.127.1.0\nfudge 127.127.1.0 time1\n", 2, 24, "missing argument to 'time1'" },
	{ "server 127.127.1.0\nfudge 127.127.1.0 time3 1\n", 2, 19,
	  "unknown fudge option 'time3'" },
	{ "tinker bogus 1\n", 1, 8, "unknown tinker key 'bogus'" },
	{ "tinker step -1\n", 1, 13, "tinker step '-1' out of range" },
	{ "tinker step\n", 1, 12, "missing argument to 'tinker step'" },
	{ "tinker stepout x\n", 1, 16, "bad number 'x' for tinker stepout" },
	{ "tos\n", 1, 4, "missing argument to 'tos'" },
	{ "tos minsane\n", 1, 12, "missing argument to 'tos minsane'" },
	{ "tos minsane 0\n", 1, 13, "tos minsane '0' out of range (expected an integer 1..64)" },
	{ "tos minclock 65\n", 1, 14, "tos minclock '65' out of range" },
	{ "tos minsane 2.5\n", 1, 13, "bad number '2.5' for tos minsane" },
	{ "tos maxdist 0\n", 1, 13, "tos maxdist '0' out of range (expected seconds 0 < S" },
	{ "tos maxdist x\n", 1, 13, "bad number 'x' for tos maxdist" },
	{ "tos minclock 3 maxdist\n", 1, 23, "missing argument to 'tos maxdist'" },
	{ "tos orphan x\n", 1, 12, "bad number 'x' for tos orphan" },
	{ "tos bogus 1\n", 1, 5, "unknown tos key 'bogus'" },
	{ "disable kernal\n", 1, 9, "unknown disable flag 'kernal'" },
	{ "interface serve eth0\n", 1, 11, "unknown interface action 'serve'" },
	{ "interface listen bad%name\n", 1, 18, "bad interface 'bad%name'" },
	{ "interface listen 10.0.0.256\n", 1, 18, "bad interface address '10.0.0.256'" },
	{ "interface listen\n", 1, 17, "missing argument to 'listen'" },
	{ "interface listen eth0 eth1\n", 1, 23, "unexpected argument 'eth1'" },
	{ "port 0\n", 1, 6, "port '0' out of range (expected an integer 1..65535)" },
	{ "port 12a\n", 1, 6, "bad number '12a' for port" },
	{ "gpsd localhost:0\n", 1, 6, "bad gpsd address 'localhost:0'" },
	{ "discard average 17\n", 1, 17, "average '17' out of range" },
	{ "discard burst 1\n", 1, 9, "unknown discard option 'burst'" },
	{ "limitprefix ipv6 31\n", 1, 18, "ipv6 '31' out of range (expected an integer 32..128)" },
	{ "limitprefix ipv6 129\n", 1, 18, "ipv6 '129' out of range" },
	{ "limitprefix ipv4 15\n", 1, 18, "ipv4 '15' out of range (expected an integer 16..32)" },
	{ "limitprefix ipv4 33\n", 1, 18, "ipv4 '33' out of range" },
	{ "limitprefix ipv4 /24\n", 1, 18, "bad number '/24' for ipv4" },
	{ "limitprefix ipv6\n", 1, 17, "missing argument to 'ipv6'" },
	{ "limitprefix\n", 1, 12, "missing argument to 'limitprefix'" },
	{ "limitprefix v6 64\n", 1, 13, "unknown limitprefix option 'v6'" },
	{ "statsinterval 0\n", 1, 15,
	  "statsinterval '0' out of range (expected seconds 1 <= S <= 86400)" },
	{ "statsinterval 86401\n", 1, 15, "statsinterval '86401' out of range" },
	{ "statsinterval 1h\n", 1, 15, "bad number '1h' for statsinterval" },
	{ "statsinterval 60 60\n", 1, 18, "unexpected argument '60' to 'statsinterval'" },
	{ "statsinterval\n", 1, 14, "missing argument to 'statsinterval'" },
	{ "trustedkey 1 70000\n", 1, 14, "trustedkey '70000' out of range" },
	{ "keys\n", 1, 5, "missing argument to 'keys'" },
	{ "keys /a /b\n", 1, 9, "unexpected argument '/b' to 'keys'" },
	{ "server a.example.org\x01\n", 1, 21, "control character 0x01" },
	/* line counting across comments and blank lines */
	{ "# tset.conf\n\n   samples ten # bad\nserver a.example.org\n", 3, 12,
	  "bad number 'ten' for samples" },
	{ "# tset.conf\nserver a.example.org # first\n\n#\n\tfudge 127.127.1.0\n", 5, 8,
	  "fudge for undeclared reference clock" },
	/* columns count a tab as one byte */
	{ "\t\tserver a.example.org bogus\n", 1, 24, "unknown server option 'bogus'" },
	{ "server a.example.org\r\ntimeout x\r\n", 2, 9, "bad number 'x' for timeout" },
};

START_TEST(test_config_rejects_broken_line_at_its_column)
{
	const struct bad_line *b = &bad_lines[_i];
	int r;

	r = parse(b->text, _i % 2 ? CONFIG_PROGRAM_TSET : CONFIG_PROGRAM_TSETD);
	ck_assert_msg(r == -EINVAL, "accepted: %s", b->text);
	ck_assert_str_eq(err.file, "test.conf");
	ck_assert_msg(err.line == b->line && err.col == b->col,
		      "'%s': got %u:%u (%s), expected %u:%u", b->text, err.line, err.col, err.msg,
		      b->line, b->col);
	ck_assert_msg(strstr(err.msg, b->msg) != NULL, "'%s': message '%s' lacks '%s'", b->text,
		      err.msg, b->msg);
}
END_TEST

/* Both programs validate everything, so `tset -n` catches a broken restrict. */
START_TEST(test_config_both_programs_reject_the_same_lines)
{
	const struct bad_line *b = &bad_lines[_i];
	struct config_error first;

	ck_assert_int_eq(parse(b->text, CONFIG_PROGRAM_TSET), -EINVAL);
	first = err;
	ck_assert_int_eq(parse(b->text, CONFIG_PROGRAM_TSETD), -EINVAL);
	ck_assert_uint_eq(err.line, first.line);
	ck_assert_uint_eq(err.col, first.col);
	ck_assert_str_eq(err.msg, first.msg);
}
END_TEST

START_TEST(test_config_rejects_too_long_line)
{
	char text[CONFIG_MAX_LINE + 40];

	memset(text, 'x', sizeof(text));
	memcpy(text, "samples 1\n# ", 12);
	text[10 + CONFIG_MAX_LINE + 1] = '\n'; /* second line: 1025 bytes */
	text[10 + CONFIG_MAX_LINE + 2] = '\0';
	ck_assert_int_eq(parse(text, CONFIG_PROGRAM_TSET), -EINVAL);
	ck_assert_uint_eq(err.line, 2);
	ck_assert_uint_eq(err.col, CONFIG_MAX_LINE + 1);
	ck_assert_str_eq(err.msg, "line longer than 1024 bytes");
}
END_TEST

START_TEST(test_config_rejects_nul_byte)
{
	static const char text[] = "samples 1\nserver a\0b.example.org\n";

	ck_assert_int_eq(parse_len(text, sizeof(text) - 1, CONFIG_PROGRAM_TSET), -EINVAL);
	ck_assert_uint_eq(err.line, 2);
	ck_assert_uint_eq(err.col, 9);
	ck_assert_str_eq(err.msg, "nul byte in line");
}
END_TEST

/* n lines "<head><i><tail>\n", i = 0..n-1; the caller frees. */
static char *repeat_lines(const char *head, const char *tail, unsigned n)
{
	size_t size = (size_t)n * 64 + 1, len = 0;
	char *text = malloc(size);
	unsigned i;

	ck_assert_ptr_nonnull(text);
	text[0] = '\0';
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, size - len, "%s%u%s\n", head, i, tail);
	ck_assert_uint_lt(len, size - 1);
	return text;
}

START_TEST(test_config_rejects_too_many_servers)
{
	char *text = repeat_lines("server s", ".example.org iburst", CONFIG_MAX_SERVERS + 1);

	ck_assert_int_eq(parse(text, CONFIG_PROGRAM_TSET), -EINVAL);
	free(text);
	ck_assert_uint_eq(err.line, CONFIG_MAX_SERVERS + 1);
	ck_assert_uint_eq(err.col, 1);
	ck_assert_str_eq(err.msg, "too many servers (at most 64)");
	ck_assert_uint_eq(cfg.n_servers, CONFIG_MAX_SERVERS);
}
END_TEST

START_TEST(test_config_rejects_too_many_refclocks_restricts_interfaces)
{
	char *text;

	text = repeat_lines("server 127.127.1.", "", CONFIG_MAX_REFCLOCKS + 1);
	ck_assert_int_eq(parse(text, CONFIG_PROGRAM_TSETD), -EINVAL);
	free(text);
	ck_assert_uint_eq(err.line, CONFIG_MAX_REFCLOCKS + 1);
	ck_assert_str_eq(err.msg, "too many reference clocks (at most 8)");

	/* each `restrict default` takes two entries */
	text = repeat_lines("restrict default kod # ", "", CONFIG_MAX_RESTRICTS / 2 + 1);
	ck_assert_int_eq(parse(text, CONFIG_PROGRAM_TSETD), -EINVAL);
	free(text);
	ck_assert_uint_eq(err.line, CONFIG_MAX_RESTRICTS / 2 + 1);
	ck_assert(strstr(err.msg, "too many restrict lines") != NULL);

	text = repeat_lines("interface listen eth", "", CONFIG_MAX_INTERFACES + 1);
	ck_assert_int_eq(parse(text, CONFIG_PROGRAM_TSETD), -EINVAL);
	free(text);
	ck_assert_uint_eq(err.line, CONFIG_MAX_INTERFACES + 1);
	ck_assert_str_eq(err.msg, "too many interface lines (at most 32)");
}
END_TEST

START_TEST(test_config_rejects_too_many_trusted_keys)
{
	ck_assert_int_eq(parse("trustedkey 1 2 3 4 5 6 7 8\ntrustedkey 9 10 11 12 13 14 15 16 17\n",
			       CONFIG_PROGRAM_TSET),
			 -EINVAL);
	ck_assert_uint_eq(err.line, 2);
	ck_assert_uint_eq(err.col, 35); /* the 17th key */
	ck_assert_str_eq(err.msg, "too many trusted keys (at most 16)");
}
END_TEST

START_TEST(test_config_rejects_too_long_file_name)
{
	char text[CONFIG_MAX_PATH + 16];

	memset(text, 'k', sizeof(text));
	memcpy(text, "keys /", 6);
	text[5 + CONFIG_MAX_PATH] = '\0'; /* a name of CONFIG_MAX_PATH bytes: one too many */
	ck_assert_int_eq(parse(text, CONFIG_PROGRAM_TSET), -EINVAL);
	ck_assert_uint_eq(err.col, 6);
	ck_assert(strstr(err.msg, "too long (at most 255 bytes)") != NULL);
	text[5 + CONFIG_MAX_PATH - 1] = '\0';
	parse_ok(text, CONFIG_PROGRAM_TSET);
	ck_assert_uint_eq(strlen(cfg.keys), CONFIG_MAX_PATH - 1);
}
END_TEST

START_TEST(test_config_parse_rejects_bad_calls)
{
	config_init(&cfg);
	ck_assert_int_eq(config_parse(NULL, "", 0, "f", CONFIG_PROGRAM_TSET, &err), -EINVAL);
	ck_assert_int_eq(config_parse(&cfg, NULL, 1, "f", CONFIG_PROGRAM_TSET, &err), -EINVAL);
	ck_assert_int_eq(config_parse(&cfg, "", 0, "f", (enum config_program)7, &err), -EINVAL);
	/* an error without a place to report it is still an error */
	ck_assert_int_eq(config_parse(&cfg, "bogus", 5, "f", CONFIG_PROGRAM_TSET, NULL), -EINVAL);
	ck_assert_int_eq(config_parse(&cfg, NULL, 0, NULL, CONFIG_PROGRAM_TSETD, &err), 0);
	ck_assert_int_eq(config_parse(&cfg, "bogus", 5, NULL, CONFIG_PROGRAM_TSET, &err), -EINVAL);
	ck_assert_str_eq(err.file, "(config)");
}
END_TEST

START_TEST(test_config_error_format_is_file_line_col_msg)
{
	char buf[256];

	ck_assert_int_eq(parse("server a.example.org\n\n  timeout 0\n", CONFIG_PROGRAM_TSET),
			 -EINVAL);
	config_error_format(&err, buf, sizeof(buf));
	ck_assert_str_eq(buf,
			 "test.conf:3:11: timeout '0' out of range (expected seconds 0 < S <= 60)");
	config_error_format(&err, buf, 12);
	ck_assert_str_eq(buf, "test.conf:3");
}
END_TEST

START_TEST(test_config_error_quotes_long_tokens_truncated)
{
	char text[300];

	memset(text, 'a', sizeof(text));
	memcpy(text, "bogus", 5);
	text[sizeof(text) - 1] = '\0';
	ck_assert_int_eq(parse(text, CONFIG_PROGRAM_TSET), -EINVAL);
	ck_assert_uint_lt(strlen(err.msg), sizeof(err.msg));
	ck_assert(strncmp(err.msg, "unknown directive 'bogusaaa", 27) == 0);
	ck_assert_uint_eq(err.msg[strlen(err.msg) - 1], '\'');
}
END_TEST

/* ---- command-line servers ---- */

struct host_port_case {
	const char *arg;
	int ret;
	const char *host;
	uint16_t port;
};

static const struct host_port_case host_port_cases[] = {
	{ "pool.ntp.org", 0, "pool.ntp.org", 123 },
	{ "pool.ntp.org:1234", 0, "pool.ntp.org", 1234 },
	{ "pool.ntp.org.", 0, "pool.ntp.org.", 123 },
	{ "ntp_1.lan:65535", 0, "ntp_1.lan", 65535 },
	{ "localhost", 0, "localhost", 123 },
	{ "192.0.2.1", 0, "192.0.2.1", 123 },
	{ "192.0.2.1:123", 0, "192.0.2.1", 123 },
	{ "[::1]:123", 0, "::1", 123 },
	{ "[::1]", 0, "::1", 123 },
	{ "::1", 0, "::1", 123 },
	{ "2001:db8::123", 0, "2001:db8::123", 123 }, /* not host:port */
	{ "fe80::1%eth0", 0, "fe80::1%eth0", 123 },
	{ "[fe80::1%eth0]:10123", 0, "fe80::1%eth0", 10123 },
	{ "", -EINVAL, NULL, 0 },
	{ ":123", -EINVAL, NULL, 0 },
	{ "host:", -EINVAL, NULL, 0 },
	{ "host:0", -EINVAL, NULL, 0 },
	{ "host:65536", -EINVAL, NULL, 0 },
	{ "host:12a", -EINVAL, NULL, 0 },
	{ "host:+12", -EINVAL, NULL, 0 },
	{ "host:0x7b", -EINVAL, NULL, 0 },
	{ "[::1", -EINVAL, NULL, 0 },
	{ "[::1]x", -EINVAL, NULL, 0 },
	{ "[::1]:", -EINVAL, NULL, 0 },
	{ "[::1]:123:4", -EINVAL, NULL, 0 },
	{ "[]:123", -EINVAL, NULL, 0 },
	{ "[192.0.2.1]:123", -EINVAL, NULL, 0 },
	{ "[pool.ntp.org]:123", -EINVAL, NULL, 0 },
	{ "a:b:c", -EINVAL, NULL, 0 },
	{ "1.2.3.256", -EINVAL, NULL, 0 },
	{ "-host", -EINVAL, NULL, 0 },
	{ ".host", -EINVAL, NULL, 0 },
	{ "host..example", -EINVAL, NULL, 0 },
	{ "bad host", -EINVAL, NULL, 0 },
	{ "fe80::1%", -EINVAL, NULL, 0 },
	{ "192.0.2.1%eth0", -EINVAL, NULL, 0 },
	{ "fe80::1%bad/zone", -EINVAL, NULL, 0 },
	{ "fe80::1%averyveryverylongzone", -EINVAL, NULL, 0 },
};

START_TEST(test_config_parse_host_port_vectors)
{
	const struct host_port_case *c = &host_port_cases[_i];
	char host[CONFIG_MAX_HOST] = "untouched";
	uint16_t port = 7;
	int r = config_parse_host_port(c->arg, 123, host, sizeof(host), &port);

	ck_assert_msg(r == c->ret, "'%s': got %d, expected %d", c->arg, r, c->ret);
	if (c->ret == 0) {
		ck_assert_str_eq(host, c->host);
		ck_assert_uint_eq(port, c->port);
	} else {
		ck_assert_str_eq(host, "untouched");
		ck_assert_uint_eq(port, 7);
	}
}
END_TEST

START_TEST(test_config_parse_host_port_bounds_names)
{
	char arg[CONFIG_MAX_HOST + 16], host[CONFIG_MAX_HOST];
	uint16_t port;
	size_t i;

	/* 63-byte labels are fine, 64 are not */
	memset(arg, 'a', 63);
	strcpy(arg + 63, ".example:1");
	ck_assert_int_eq(config_parse_host_port(arg, 123, host, sizeof(host), &port), 0);
	ck_assert_uint_eq(strlen(host), 71);
	memset(arg, 'a', 64);
	strcpy(arg + 64, ".example");
	ck_assert_int_eq(config_parse_host_port(arg, 123, host, sizeof(host), &port), -EINVAL);
	/* 253 bytes of name are fine, 254 are not */
	for (i = 0; i < 253; i++)
		arg[i] = i % 2 ? '.' : 'a';
	arg[253] = '\0';
	ck_assert_int_eq(config_parse_host_port(arg, 123, host, sizeof(host), &port), 0);
	arg[253] = 'b';
	arg[254] = '\0';
	ck_assert_int_eq(config_parse_host_port(arg, 123, host, sizeof(host), &port), -EINVAL);
	/* the caller's buffer bounds the host too, and is left alone */
	strcpy(host, "keep");
	ck_assert_int_eq(config_parse_host_port("pool.ntp.org", 123, host, 12, &port), -EINVAL);
	ck_assert_str_eq(host, "keep");
	ck_assert_int_eq(config_parse_host_port("pool.ntp.org", 123, host, 13, &port), 0);
	ck_assert_str_eq(host, "pool.ntp.org");
	ck_assert_int_eq(config_parse_host_port(NULL, 123, host, 13, &port), -EINVAL);
}
END_TEST

struct refclock_case {
	const char *host;
	bool is;
	unsigned type, unit;
};

static const struct refclock_case refclock_cases[] = {
	{ "127.127.1.0", true, 1, 0 },	   { "127.127.1.1", true, 1, 1 },
	{ "127.127.46.0", true, 46, 0 },   { "127.127.28.2", true, 28, 2 },
	{ "127.127.0.0", true, 0, 0 },	   { "127.127.255.255", true, 255, 255 },
	{ "127.127.256.0", false, 0, 0 },  { "127.127.1.256", false, 0, 0 },
	{ "127.127.1", false, 0, 0 },	   { "127.127.1.0.", false, 0, 0 },
	{ "127.127.01.0", false, 0, 0 },   { "127.127.1.00", false, 0, 0 },
	{ "127.127..0", false, 0, 0 },	   { "127.127.1.0x", false, 0, 0 },
	{ "127.127.1.1000", false, 0, 0 }, { " 127.127.1.0", false, 0, 0 },
	{ "127.0.0.1", false, 0, 0 },	   { "128.127.1.0", false, 0, 0 },
	{ "pool.ntp.org", false, 0, 0 },   { "", false, 0, 0 },
};

START_TEST(test_config_host_is_refclock_vectors)
{
	const struct refclock_case *c = &refclock_cases[_i];
	unsigned type = 999, unit = 999;
	bool is = config_host_is_refclock(c->host, &type, &unit);

	ck_assert_msg(is == c->is, "'%s': got %d", c->host, is);
	ck_assert_uint_eq(type, c->is ? c->type : 999);
	ck_assert_uint_eq(unit, c->is ? c->unit : 999);
}
END_TEST

START_TEST(test_config_host_is_refclock_accepts_null_outputs)
{
	ck_assert(config_host_is_refclock("127.127.1.0", NULL, NULL));
	ck_assert(!config_host_is_refclock(NULL, NULL, NULL));
}
END_TEST

#define N_ELEMS(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");

	tcase_add_test(tc, test_config_init_sets_documented_defaults);
	tcase_add_test(tc, test_config_slots_are_cleared_as_taken);
	tcase_add_test(tc, test_config_accepts_empty_and_comment_only_files);
	tcase_add_test(tc, test_config_accepts_guide_ntp_conf_servers);
	tcase_add_test(tc, test_config_accepts_guide_ntp_conf_refclocks);
	tcase_add_test(tc, test_config_accepts_guide_ntp_conf_restricts);
	tcase_add_test(tc, test_config_accepts_guide_ntp_conf_interfaces_and_logfile);
	tcase_add_test(tc, test_config_guide_as_tset_notices_daemon_lines);
	tcase_add_test(tc, test_config_guide_as_tsetd_notices_upstream_servers);
	tcase_add_test(tc, test_config_accepts_debian_ntp_conf);
	tcase_add_test(tc, test_config_accepts_debian_ntpsec_conf);
	tcase_add_test(tc, test_config_accepts_contract_tsetd_conf);
	tcase_add_test(tc, test_config_reads_server_options);
	tcase_add_test(tc, test_config_reads_tset_directives);
	tcase_add_test(tc, test_config_tset_directives_are_noticed_by_tsetd);
	tcase_add_test(tc, test_config_tinker_daemon_keys_get_one_notice);
	tcase_add_test(tc, test_config_reads_tos_limits_and_skips_the_daemon_keys);
	tcase_add_test(tc, test_config_enable_disable_kernel_last_wins);
	tcase_add_test(tc, test_config_reads_tsetd_directives);
	tcase_add_test(tc, test_config_tsetd_keeps_notrust);
	tcase_add_test(tc, test_config_reads_refclock_options_and_fudge_flags);
	tcase_add_test(tc, test_config_restrict_stores_network_and_prefix);
	tcase_add_test(tc, test_config_interface_rules_follow_ntpd);
	tcase_add_test(tc, test_config_skips_daemon_directives_without_validating);
	tcase_add_test(tc, test_config_bounds_notices_and_counts_the_rest);
	tcase_add_loop_test(tc, test_config_accepts_every_ntpd_and_ntpsec_line, 0,
			    sizeof(config_valid_lines) / sizeof(config_valid_lines[0]));
	tcase_add_test(tc, test_config_reads_trustedkey_ranges);
	tcase_add_test(tc, test_config_reads_tos_floor_and_ceiling);
	tcase_add_test(tc, test_config_reads_samba_and_fuzz_restrict_flags);
	tcase_add_test(tc, test_config_reads_nts_servers);
	tcase_add_test(tc, test_config_nts_ports_and_trust_anchors);
	tcase_add_test(tc, test_config_includefile_needs_a_reader);
	tcase_add_test(tc, test_config_restrict_by_name_never_serves_more);
	tcase_add_test(tc, test_config_unrestrict_removes_exactly_the_entry_named);
	tcase_add_test(tc, test_config_tolerates_crlf_tabs_and_missing_final_newline);
	tcase_add_test(tc, test_config_skips_utf8_byte_order_mark);
	tcase_add_test(tc, test_config_accepts_line_of_exactly_max_length);
	tcase_add_loop_test(tc, test_config_rejects_broken_line_at_its_column, 0,
			    N_ELEMS(bad_lines));
	tcase_add_loop_test(tc, test_config_both_programs_reject_the_same_lines, 0,
			    N_ELEMS(bad_lines));
	tcase_add_test(tc, test_config_rejects_too_long_line);
	tcase_add_test(tc, test_config_rejects_nul_byte);
	tcase_add_test(tc, test_config_rejects_too_many_servers);
	tcase_add_test(tc, test_config_rejects_too_many_refclocks_restricts_interfaces);
	tcase_add_test(tc, test_config_rejects_too_many_trusted_keys);
	tcase_add_test(tc, test_config_rejects_too_long_file_name);
	tcase_add_test(tc, test_config_parse_rejects_bad_calls);
	tcase_add_test(tc, test_config_error_format_is_file_line_col_msg);
	tcase_add_test(tc, test_config_error_quotes_long_tokens_truncated);
	tcase_add_loop_test(tc, test_config_parse_host_port_vectors, 0, N_ELEMS(host_port_cases));
	tcase_add_test(tc, test_config_parse_host_port_bounds_names);
	tcase_add_loop_test(tc, test_config_host_is_refclock_vectors, 0, N_ELEMS(refclock_cases));
	tcase_add_test(tc, test_config_host_is_refclock_accepts_null_outputs);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(config_suite());
}
