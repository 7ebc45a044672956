/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ntp_proto: protocol constants of NTPv4 shared by the algorithms, the wire
 * codec and both programs. Every value cites where it comes from. Times are
 * double seconds (_S), frequencies dimensionless (s/s).
 */
#ifndef TSET_ALGO_NTP_PROTO_H
#define TSET_ALGO_NTP_PROTO_H

/* RFC 5905 section 7.3: protocol versions we speak and accept. */
#define NTP_VERSION	4
#define NTP_VERSION_MIN 1

/* RFC 5905 section 7.3, figure 10: the leap indicator (LI) field. */
enum ntp_leap {
	NTP_LEAP_NONE = 0,   /* no warning */
	NTP_LEAP_INSERT = 1, /* last minute of the day has 61 seconds */
	NTP_LEAP_DELETE = 2, /* last minute of the day has 59 seconds */
	NTP_LEAP_UNSYNC = 3, /* clock unsynchronized */
};

/* RFC 5905 section 7.3, figure 10: association modes. */
enum ntp_mode {
	NTP_MODE_RESERVED = 0,
	NTP_MODE_ACTIVE = 1,  /* symmetric active */
	NTP_MODE_PASSIVE = 2, /* symmetric passive */
	NTP_MODE_CLIENT = 3,
	NTP_MODE_SERVER = 4,
	NTP_MODE_BROADCAST = 5,
	NTP_MODE_CONTROL = 6, /* NTP control message (RFC 9327) */
	NTP_MODE_PRIVATE = 7, /* reserved for private use (ntpdc) */
};

/* RFC 5905 section 7.3: stratum 0 is a kiss-o'-death, 16 unsynchronized. */
#define NTP_STRATUM_KOD	   0
#define NTP_STRATUM_MAX	   15 /* highest valid stratum */
#define NTP_STRATUM_UNSYNC 16 /* MAXSTRAT, RFC 5905 appendix A.1.1 */

/* RFC 5905 section 7.2 and appendix A.1.1. */
#define NTP_PHI	      15e-6 /* PHI: frequency tolerance, 15 ppm */
#define NTP_NSTAGE    8	    /* NSTAGE: clock register stages */
#define NTP_MAXDISP_S 16.0  /* MAXDISP: maximum dispersion */
#define NTP_MINDISP_S 0.005 /* MINDISP: minimum dispersion increment */
#define NTP_MAXDIST_S 1.5   /* MAXDIST: distance threshold */
#define NTP_NMIN      3	    /* NMIN: minimum cluster survivors (A.1.1) */
#define NTP_CMIN      1	    /* CMIN: minimum truechimers (section 11.2.1) */

/* RFC 5905 section 11.3, figure 27: panic threshold PANICT. */
#define NTP_PANIC_S 1000.0
/*
 * Step threshold. RFC 5905 figure 27 says STEPT = 0.125 s; ntpd, ntpdate
 * and tset's contract use 0.128 s, which `tinker step` overrides.
 */
#define NTP_STEP_S 0.128

#endif
