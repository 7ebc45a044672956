/* SPDX-License-Identifier: BSD-2-Clause */
#include <stdio.h>
#include <string.h>

#include "ntp_pkt.h"
#include "ntp_time.h"

/* Bounds are checked by the callers once; these read inside them. */
static uint16_t ntp_pkt_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t ntp_pkt_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t ntp_pkt_get64(const uint8_t *p)
{
	return (uint64_t)ntp_pkt_get32(p) << 32 | ntp_pkt_get32(p + 4);
}

static void ntp_pkt_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void ntp_pkt_put64(uint8_t *p, uint64_t v)
{
	ntp_pkt_put32(p, (uint32_t)(v >> 32));
	ntp_pkt_put32(p + 4, (uint32_t)v);
}

static bool ntp_pkt_is_mac_len(size_t rem, unsigned version)
{
	if (version < 4)
		return rem == NTP_PKT_NAK_LEN ||
		       (rem >= NTP_PKT_MAC_SHORT && rem <= NTP_PKT_MAC_MAX_V3 && rem % 4 == 0);
	return rem == NTP_PKT_MAC_SHORT || rem == NTP_PKT_MAC_LONG || rem == NTP_PKT_NAK_LEN;
}

static void ntp_pkt_take_mac(const uint8_t *buf, size_t off, size_t rem, struct ntp_pkt *ret)
{
	ret->has_mac = true;
	ret->mac_keyid = ntp_pkt_get32(buf + off);
	ret->mac_off = off + 4;
	ret->mac_len = rem - 4;
}

/* RFC 7822 sections 3 and 7.5: extension fields, then an optional MAC. */
static enum ntp_pkt_status ntp_pkt_decode_trailer(const uint8_t *buf, size_t len,
						  struct ntp_pkt *ret)
{
	size_t off = NTP_PKT_HEADER_LEN;

	while (off < len) {
		size_t rem = len - off, ef_len;

		if (ntp_pkt_is_mac_len(rem, ret->version)) {
			ntp_pkt_take_mac(buf, off, rem, ret);
			return NTP_PKT_OK;
		}
		if (ret->version < 4 || (rem > NTP_PKT_MAC_SHORT && rem < NTP_PKT_MAC_LONG))
			return NTP_PKT_E_MAC_LEN;
		if (rem < NTP_PKT_EF_MIN_LEN)
			return NTP_PKT_E_EF_SHORT;
		ef_len = ntp_pkt_get16(buf + off + 2);
		if (ef_len < NTP_PKT_EF_MIN_LEN || ef_len % 4 != 0)
			return NTP_PKT_E_EF_LEN;
		if (ef_len > rem)
			return NTP_PKT_E_EF_TRUNC;
		ret->n_ext++;
		ret->ext_len += ef_len;
		off += ef_len;
	}
	return NTP_PKT_OK;
}

static void ntp_pkt_decode_header(const uint8_t *b, struct ntp_pkt *ret)
{
	ret->stratum = b[1];
	ret->poll = (int8_t)b[2];
	ret->precision = (int8_t)b[3];
	ret->root_delay_ntp32 = ntp_pkt_get32(b + 4);
	ret->root_disp_ntp32 = ntp_pkt_get32(b + 8);
	memcpy(ret->refid, b + 12, 4);
	ret->ref_ntp64 = ntp_pkt_get64(b + 16);
	ret->org_ntp64 = ntp_pkt_get64(b + 24);
	ret->rec_ntp64 = ntp_pkt_get64(b + 32);
	ret->xmt_ntp64 = ntp_pkt_get64(b + 40);
}

enum ntp_pkt_status ntp_pkt_decode(const uint8_t *buf, size_t len, struct ntp_pkt *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (len < 1)
		return NTP_PKT_E_SHORT;
	ret->leap = buf[0] >> 6;
	ret->version = (buf[0] >> 3) & 7;
	ret->mode = buf[0] & 7;
	if (ret->version < NTP_VERSION_MIN || ret->version > NTP_VERSION)
		return NTP_PKT_E_VERSION;
	if (ret->mode == NTP_MODE_CONTROL || ret->mode == NTP_MODE_PRIVATE)
		return NTP_PKT_E_CONTROL;
	if (len < NTP_PKT_HEADER_LEN)
		return NTP_PKT_E_SHORT;
	ntp_pkt_decode_header(buf, ret);
	return ntp_pkt_decode_trailer(buf, len, ret);
}

const char *ntp_pkt_status_str(enum ntp_pkt_status st)
{
	switch (st) {
	case NTP_PKT_OK:
		return "ok";
	case NTP_PKT_E_SHORT:
		return "shorter than an ntp header";
	case NTP_PKT_E_VERSION:
		return "unsupported version";
	case NTP_PKT_E_CONTROL:
		return "control or private mode";
	case NTP_PKT_E_EF_SHORT:
		return "trailing bytes too short for an extension field";
	case NTP_PKT_E_EF_LEN:
		return "bad extension field length";
	case NTP_PKT_E_EF_TRUNC:
		return "extension field runs past the datagram";
	case NTP_PKT_E_MAC_LEN:
		return "bad mac length";
	}
	return "?";
}

void ntp_pkt_encode(const struct ntp_pkt *p, uint8_t ret_buf[NTP_PKT_HEADER_LEN])
{
	ret_buf[0] = (uint8_t)((p->leap & 3) << 6 | (p->version & 7) << 3 | (p->mode & 7));
	ret_buf[1] = p->stratum;
	ret_buf[2] = (uint8_t)p->poll;
	ret_buf[3] = (uint8_t)p->precision;
	ntp_pkt_put32(ret_buf + 4, p->root_delay_ntp32);
	ntp_pkt_put32(ret_buf + 8, p->root_disp_ntp32);
	memcpy(ret_buf + 12, p->refid, 4);
	ntp_pkt_put64(ret_buf + 16, p->ref_ntp64);
	ntp_pkt_put64(ret_buf + 24, p->org_ntp64);
	ntp_pkt_put64(ret_buf + 32, p->rec_ntp64);
	ntp_pkt_put64(ret_buf + 40, p->xmt_ntp64);
}

/*
 * The kiss codes of RFC 5905 section 7.4 (figure 13) and RFC 8915 section
 * 5.7 (NTSN). INIT and STEP are in the RFC's list too, but they say that
 * the server is not synchronised (yet), not that it refuses us: such a
 * reply is an unsynchronised server's, as a stratum 0 without any code is.
 */
static const struct {
	char code[4];
	enum ntp_kiss kiss;
} ntp_kiss_codes[] = {
	{ { 'A', 'C', 'S', 'T' }, NTP_KISS_OTHER }, { { 'A', 'U', 'T', 'H' }, NTP_KISS_OTHER },
	{ { 'A', 'U', 'T', 'O' }, NTP_KISS_OTHER }, { { 'B', 'C', 'S', 'T' }, NTP_KISS_OTHER },
	{ { 'C', 'R', 'Y', 'P' }, NTP_KISS_OTHER }, { { 'D', 'E', 'N', 'Y' }, NTP_KISS_DENY },
	{ { 'D', 'R', 'O', 'P' }, NTP_KISS_OTHER }, { { 'R', 'S', 'T', 'R' }, NTP_KISS_RSTR },
	{ { 'M', 'C', 'S', 'T' }, NTP_KISS_OTHER }, { { 'N', 'K', 'E', 'Y' }, NTP_KISS_OTHER },
	{ { 'N', 'T', 'S', 'N' }, NTP_KISS_NTSN },  { { 'R', 'A', 'T', 'E' }, NTP_KISS_RATE },
	{ { 'R', 'M', 'O', 'T' }, NTP_KISS_OTHER },
};

enum ntp_kiss ntp_pkt_kiss(const struct ntp_pkt *p)
{
	if (p->stratum != NTP_STRATUM_KOD)
		return NTP_KISS_NONE;
	for (size_t i = 0; i < sizeof(ntp_kiss_codes) / sizeof(ntp_kiss_codes[0]); i++)
		if (memcmp(p->refid, ntp_kiss_codes[i].code, 4) == 0)
			return ntp_kiss_codes[i].kiss;
	return NTP_KISS_NONE;
}

bool ntp_pkt_is_kod(const struct ntp_pkt *p)
{
	return ntp_pkt_kiss(p) != NTP_KISS_NONE;
}

bool ntp_kiss_stops_source(enum ntp_kiss k)
{
	return k == NTP_KISS_RATE || k == NTP_KISS_DENY || k == NTP_KISS_RSTR;
}

void ntp_pkt_refid_ascii(const struct ntp_pkt *p, char ret[5])
{
	unsigned n = 0;

	for (unsigned i = 0; i < 4 && p->refid[i] != 0; i++)
		ret[n++] = (p->refid[i] >= 0x20 && p->refid[i] < 0x7f) ? (char)p->refid[i] : '?';
	ret[n] = '\0';
}

void ntp_pkt_refid_str(const struct ntp_pkt *p, char *buf, size_t len)
{
	char ascii[5];

	if (p->stratum <= 1) {
		ntp_pkt_refid_ascii(p, ascii);
		snprintf(buf, len, "%s", ascii);
		return;
	}
	snprintf(buf, len, "%u.%u.%u.%u", p->refid[0], p->refid[1], p->refid[2], p->refid[3]);
}

bool ntp_pkt_is_unsynchronized(const struct ntp_pkt *p)
{
	return p->leap == NTP_LEAP_UNSYNC || (p->stratum == NTP_STRATUM_KOD && !ntp_pkt_is_kod(p));
}

bool ntp_pkt_stratum_is_valid(const struct ntp_pkt *p)
{
	return p->stratum >= 1 && p->stratum <= NTP_STRATUM_MAX;
}

bool ntp_pkt_xmt_is_zero(const struct ntp_pkt *p)
{
	return p->xmt_ntp64 == 0;
}

bool ntp_pkt_rec_is_zero(const struct ntp_pkt *p)
{
	return p->rec_ntp64 == 0;
}

double ntp_pkt_root_dist_s(const struct ntp_pkt *p)
{
	return ntp_time_short_to_s(p->root_delay_ntp32) / 2 +
	       ntp_time_short_to_s(p->root_disp_ntp32);
}
