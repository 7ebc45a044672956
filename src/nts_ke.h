/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nts_ke: the records of NTS Key Establishment (RFC 8915 section 4), the
 * client's side: the request tset sends, and the server's response,
 * checked record by record. Pure: no I/O, no allocation, no logging.
 *
 * A record is a 16-bit word (the critical bit and a 15-bit type), a
 * 16-bit body length, and the body. A response is complete at its End of
 * Message record; anything after it, a record of a known type whose body
 * has the wrong length, a second Next Protocol, AEAD, Server or Port
 * record, or an unknown record with the critical bit, refuses it.
 */
#ifndef TSET_NTS_KE_H
#define TSET_NTS_KE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NTS_KE_PORT		4460	  /* RFC 8915 section 6: the NTS-KE TCP port */
#define NTS_KE_DEFAULT_NTP_PORT 123	  /* RFC 8915 section 4.1.8: without port negotiation */
#define NTS_KE_ALPN		"ntske/1" /* RFC 8915 section 4: the TLS ALPN protocol id */
/* RFC 8915 section 5.1: the TLS exporter label of the NTP keys */
#define NTS_KE_EXPORTER_LABEL "EXPORTER-network-time-security"

#define NTS_KE_CRITICAL	  0x8000u /* RFC 8915 section 4: the C bit */
#define NTS_KE_HEADER_LEN 4	  /* type word + body length */

/* Record types (RFC 8915 section 4.1, IANA "NTS Key Establishment Record Types") */
enum nts_ke_record_type {
	NTS_KE_REC_END = 0,	   /* 4.1.1 End of Message */
	NTS_KE_REC_NEXT_PROTO = 1, /* 4.1.2 NTS Next Protocol Negotiation */
	NTS_KE_REC_ERROR = 2,	   /* 4.1.3 Error */
	NTS_KE_REC_WARNING = 3,	   /* 4.1.4 Warning */
	NTS_KE_REC_AEAD = 4,	   /* 4.1.5 AEAD Algorithm Negotiation */
	NTS_KE_REC_COOKIE = 5,	   /* 4.1.6 New Cookie for NTPv4 */
	NTS_KE_REC_SERVER = 6,	   /* 4.1.7 NTPv4 Server Negotiation */
	NTS_KE_REC_PORT = 7,	   /* 4.1.8 NTPv4 Port Negotiation */
};

#define NTS_KE_PROTO_NTPV4 0 /* RFC 8915 section 7.7: NTS next protocol NTPv4 */
/* RFC 5116 / IANA AEAD registry: AEAD_AES_SIV_CMAC_256 (RFC 5297) */
#define NTS_KE_AEAD_AES_SIV_CMAC_256 15

/* Limits of ours: a cookie's length (RFC 8915 leaves it to the server;
 * they are about 100 bytes), the cookies kept (one per request: tset
 * sends at most 8), a negotiated server name (RFC 8915 section 4.1.7:
 * a host name or an address in ASCII), the response. */
#define NTS_KE_MAX_COOKIE_LEN 256
#define NTS_KE_MAX_COOKIES    8
#define NTS_KE_MAX_SERVER_LEN 255
#define NTS_KE_MAX_RESPONSE   8192

/* The request: NTPv4 (critical), AES-SIV-CMAC-256, End of Message. */
#define NTS_KE_REQUEST_LEN (3 * NTS_KE_HEADER_LEN + 2 + 2)

struct nts_ke_cookie {
	uint8_t data[NTS_KE_MAX_COOKIE_LEN];
	uint16_t len;
};

/* What a complete, valid response gives. */
struct nts_ke_response {
	struct nts_ke_cookie cookies[NTS_KE_MAX_COOKIES];
	unsigned n_cookies;			/* at least 1 */
	unsigned n_cookies_dropped;		/* beyond NTS_KE_MAX_COOKIES */
	char server[NTS_KE_MAX_SERVER_LEN + 1]; /* negotiated NTP server, or "" */
	uint16_t port;				/* negotiated NTP port, or 0 */
};

enum nts_ke_status {
	NTS_KE_OK = 0,
	NTS_KE_INCOMPLETE,    /* no End of Message yet: read on */
	NTS_KE_E_MALFORMED,   /* a body of the wrong length, a record repeated */
	NTS_KE_E_TRAILING,    /* bytes after End of Message */
	NTS_KE_E_CRITICAL,    /* an unknown record with the critical bit */
	NTS_KE_E_ERROR,	      /* an Error record: the server refused */
	NTS_KE_E_WARNING,     /* a Warning record (RFC 8915 defines none we know) */
	NTS_KE_E_PROTOCOL,    /* no NTPv4 among the next protocols */
	NTS_KE_E_AEAD,	      /* no AEAD record, or not AES-SIV-CMAC-256 */
	NTS_KE_E_NO_COOKIE,   /* not one cookie */
	NTS_KE_E_COOKIE_LEN,  /* a cookie empty or longer than NTS_KE_MAX_COOKIE_LEN */
	NTS_KE_E_SERVER_NAME, /* a server record that is not a printable name */
};

/* Write the request into ret_buf (NTS_KE_REQUEST_LEN bytes). */
void nts_ke_request(uint8_t ret_buf[NTS_KE_REQUEST_LEN]);

/*
 * Check the response received so far, buf[0..len). NTS_KE_OK fills *ret;
 * NTS_KE_INCOMPLETE means more bytes may complete it; any other status
 * refuses it, and *ret_code is then the code of an Error or Warning
 * record, or the type of an unknown critical record.
 */
enum nts_ke_status nts_ke_parse(const uint8_t *buf, size_t len, struct nts_ke_response *ret,
				unsigned *ret_code);

/* "malformed record", "server error 1 (bad request)", ...: status with code. */
void nts_ke_status_describe(enum nts_ke_status st, unsigned code, char *buf, size_t len);

#endif
