/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ntp_pkt: the NTPv4 packet (RFC 5905 section 7.3) to and from the wire,
 * what follows the header (RFC 7822), kiss-o'-death (RFC 5905 section 7.4)
 * and the checks on a packet's fields, each named.
 */
#ifndef TSET_NTP_PKT_H
#define TSET_NTP_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ntp_proto.h"

#define NTP_PKT_HEADER_LEN 48 /* RFC 5905 section 7.3, figure 8 */
#define NTP_PKT_EF_MIN_LEN 16 /* RFC 7822 section 3: extension field */
#define NTP_PKT_MAC_SHORT  20 /* RFC 7822 section 7.5: key id + 128-bit digest */
#define NTP_PKT_MAC_LONG   24 /* key id + 160-bit digest */
#define NTP_PKT_NAK_LEN	   4  /* RFC 5905 section 7.4: crypto-NAK, key id only */
/* Before NTPv4 nothing but a MAC follows the header, so its length is not
 * bounded by RFC 7822's rules: chronyd sends a digest longer than 160 bits
 * (SHA256 whole) in an NTPv3 packet. Up to a 512-bit digest (SHA512). */
#define NTP_PKT_MAC_MAX_V3 68

/* A decoded packet. Field names follow RFC 5905 figure 8. */
struct ntp_pkt {
	uint8_t leap;	  /* enum ntp_leap */
	uint8_t version;  /* 1..4 once decoded */
	uint8_t mode;	  /* enum ntp_mode */
	uint8_t stratum;  /* 0 = kiss-o'-death, 1..15, 16 = unsynchronized */
	int8_t poll;	  /* log2 s */
	int8_t precision; /* log2 s */
	uint32_t root_delay_ntp32;
	uint32_t root_disp_ntp32;
	uint8_t refid[4]; /* as on the wire */
	uint64_t ref_ntp64, org_ntp64, rec_ntp64, xmt_ntp64;
	/* what follows the header (filled by ntp_pkt_decode only) */
	unsigned n_ext; /* extension fields */
	size_t ext_len; /* their total length in bytes */
	bool has_mac;
	uint32_t mac_keyid;
	size_t mac_off; /* offset of the digest in the datagram */
	size_t mac_len; /* digest length: 16 or 20 (v1-v3: a multiple of 4 up to
			 * 64), or 0 for a crypto-NAK */
};

/* Why a datagram is not a usable NTP packet. */
enum ntp_pkt_status {
	NTP_PKT_OK = 0,
	NTP_PKT_E_SHORT,    /* shorter than the 48-byte header */
	NTP_PKT_E_VERSION,  /* version 0 or above 4 */
	NTP_PKT_E_CONTROL,  /* mode 6 or 7: control/private, another format */
	NTP_PKT_E_EF_SHORT, /* trailing bytes too few for an extension field */
	NTP_PKT_E_EF_LEN,   /* extension field length < 16 or not a multiple of 4 */
	NTP_PKT_E_EF_TRUNC, /* extension field runs past the datagram */
	NTP_PKT_E_MAC_LEN,  /* trailer is not a MAC of a valid length */
};

/*
 * Decode buf[0..len). When len >= 1, leap, version and mode are filled
 * even on failure (for counting); everything else only on NTP_PKT_OK.
 * After the header, NTPv4 follows RFC 7822: a remainder of 20 or 24 bytes
 * is a MAC, of 4 a crypto-NAK, otherwise extension fields of at least 16
 * bytes, multiples of 4; older versions allow only a MAC (or a crypto-NAK),
 * of a key id and a digest of 16 to 64 bytes, a multiple of 4.
 */
enum ntp_pkt_status ntp_pkt_decode(const uint8_t *buf, size_t len, struct ntp_pkt *ret);

/* A short lowercase reason, e.g. "extension field runs past the datagram". */
const char *ntp_pkt_status_str(enum ntp_pkt_status st);

/* Encode the 48-byte header of p (no extension fields, no MAC). */
void ntp_pkt_encode(const struct ntp_pkt *p, uint8_t ret_buf[NTP_PKT_HEADER_LEN]);

/* Kiss codes that matter to a client (RFC 5905 section 7.4, figure 13). */
enum ntp_kiss {
	NTP_KISS_NONE = 0, /* not a kiss-o'-death */
	NTP_KISS_RATE,	   /* rate exceeded: reduce polling */
	NTP_KISS_DENY,	   /* access denied */
	NTP_KISS_RSTR,	   /* access restricted */
	NTP_KISS_NTSN,	   /* NTS NAK (RFC 8915 section 5.7) */
	NTP_KISS_OTHER,	   /* another code of the RFC's list: informational */
};

/*
 * Stratum 0 with a kiss code of RFC 5905 section 7.4 (or RFC 8915's NTSN)
 * in the refid: a kiss-o'-death, nothing in it is time. Not INIT or STEP,
 * nor a refid that is no code (chronyd without a source sends zeros):
 * those say the server is not synchronised.
 */
bool ntp_pkt_is_kod(const struct ntp_pkt *p);
enum ntp_kiss ntp_pkt_kiss(const struct ntp_pkt *p);
/* RATE, DENY and RSTR end all requests to that server (section 7.4). */
bool ntp_kiss_stops_source(enum ntp_kiss k);
/* The four refid bytes as text, unprintable bytes as '?' (for a KoD or a
 * stratum-1 reference identifier). */
void ntp_pkt_refid_ascii(const struct ntp_pkt *p, char ret[5]);
/* The refid as a report shows it: text at stratum 0 and 1, else the
 * dotted IPv4 form (an IPv4 address or an IPv6 hash, section 7.3). */
void ntp_pkt_refid_str(const struct ntp_pkt *p, char *buf, size_t len);

/* Named checks on a decoded packet. */
/* LI = 3, or stratum 0 without a kiss code (ntpd reads stratum 0 as 16) */
bool ntp_pkt_is_unsynchronized(const struct ntp_pkt *p);
bool ntp_pkt_stratum_is_valid(const struct ntp_pkt *p); /* 1..15 */
bool ntp_pkt_xmt_is_zero(const struct ntp_pkt *p);
bool ntp_pkt_rec_is_zero(const struct ntp_pkt *p);
/* Root distance the header claims: root delay / 2 + root dispersion. */
double ntp_pkt_root_dist_s(const struct ntp_pkt *p);

#endif
