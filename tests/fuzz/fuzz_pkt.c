/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target: the NTP packet decoder, re-encode and every named check,
 * each held to what ntp_pkt.h promises:
 *   - a packet that decodes encodes back to the same 48 bytes, and those
 *     decode again to the same header fields;
 *   - what follows the header adds up to the datagram's length: extension
 *     fields of at least 16 bytes, multiples of 4, then a MAC or nothing;
 *   - leap, version and mode are filled even when decoding fails;
 *   - each check agrees with the bytes it names, and a kiss-o'-death is
 *     never a valid stratum (nothing in it is time);
 *   - the refid text is printable, terminated, and never overruns buffers
 *     of any size; the root distance is finite and within what 16.16
 *     fields can carry.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "ntp_pkt.h"

static bool fuzz_is_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* The header fields, compared one by one (struct padding is not). */
static bool fuzz_same_header(const struct ntp_pkt *a, const struct ntp_pkt *b)
{
	return a->leap == b->leap && a->version == b->version && a->mode == b->mode &&
	       a->stratum == b->stratum && a->poll == b->poll && a->precision == b->precision &&
	       a->root_delay_ntp32 == b->root_delay_ntp32 &&
	       a->root_disp_ntp32 == b->root_disp_ntp32 && memcmp(a->refid, b->refid, 4) == 0 &&
	       a->ref_ntp64 == b->ref_ntp64 && a->org_ntp64 == b->org_ntp64 &&
	       a->rec_ntp64 == b->rec_ntp64 && a->xmt_ntp64 == b->xmt_ntp64;
}

/* RFC 7822 read again, independently of the decoder's loop: the fields
 * it counted lie end to end from the header to the MAC (or the end). */
static void fuzz_check_trailer(const uint8_t *data, size_t size, const struct ntp_pkt *p)
{
	size_t end = size, off = NTP_PKT_HEADER_LEN, total = 0;
	unsigned n = 0;

	if (p->has_mac) {
		FUZZ_CHECK(p->mac_len == 0 || p->mac_len == NTP_PKT_MAC_SHORT - 4 ||
			   p->mac_len == NTP_PKT_MAC_LONG - 4 ||
			   (p->version < 4 && p->mac_len % 4 == 0 &&
			    p->mac_len >= NTP_PKT_MAC_SHORT - 4 &&
			    p->mac_len <= NTP_PKT_MAC_MAX_V3 - 4));
		FUZZ_CHECK(p->mac_off + p->mac_len == size);
		end = p->mac_off - 4;
	}
	while (off < end) {
		size_t len = (size_t)data[off + 2] << 8 | data[off + 3];

		FUZZ_CHECK(len >= NTP_PKT_EF_MIN_LEN && len % 4 == 0 && off + len <= end);
		off += len;
		total += len;
		n++;
	}
	FUZZ_CHECK(off == end && n == p->n_ext && total == p->ext_len);
	FUZZ_CHECK(p->n_ext == 0 || p->version == 4); /* RFC 7822: NTPv4 only */
}

static bool fuzz_is_upper(const uint8_t *code)
{
	for (int i = 0; i < 4; i++)
		if (code[i] < 'A' || code[i] > 'Z')
			return false;
	return true;
}

static void fuzz_check_fields(const uint8_t *data, const struct ntp_pkt *p)
{
	enum ntp_kiss k = ntp_pkt_kiss(p);

	FUZZ_CHECK(ntp_pkt_is_unsynchronized(p) ==
		   (data[0] >> 6 == 3 || (data[1] == 0 && !ntp_pkt_is_kod(p))));
	/* a kiss is stratum 0 with an upper-case code that is not INIT or STEP */
	FUZZ_CHECK(!ntp_pkt_is_kod(p) || data[1] == 0);
	FUZZ_CHECK(!ntp_pkt_is_kod(p) ||
		   (fuzz_is_upper(data + 12) && memcmp(data + 12, "INIT", 4) != 0 &&
		    memcmp(data + 12, "STEP", 4) != 0));
	FUZZ_CHECK(ntp_pkt_stratum_is_valid(p) == (data[1] >= 1 && data[1] <= 15));
	FUZZ_CHECK(!(ntp_pkt_is_kod(p) && ntp_pkt_stratum_is_valid(p)));
	FUZZ_CHECK(ntp_pkt_rec_is_zero(p) == fuzz_is_zero(data + 32, 8));
	FUZZ_CHECK(ntp_pkt_xmt_is_zero(p) == fuzz_is_zero(data + 40, 8));
	FUZZ_CHECK((k != NTP_KISS_NONE) == ntp_pkt_is_kod(p));
	FUZZ_CHECK(!ntp_kiss_stops_source(k) || ntp_pkt_is_kod(p));
	FUZZ_CHECK(ntp_kiss_stops_source(k) ==
		   (p->stratum == 0 &&
		    (memcmp(data + 12, "RATE", 4) == 0 || memcmp(data + 12, "DENY", 4) == 0 ||
		     memcmp(data + 12, "RSTR", 4) == 0)));
}

static void fuzz_check_refid(const struct ntp_pkt *p, size_t buf_len)
{
	char ascii[5], buf[40];
	size_t n;

	ntp_pkt_refid_ascii(p, ascii);
	n = strlen(ascii);
	FUZZ_CHECK(n <= 4);
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(ascii[i] >= 0x20 && ascii[i] < 0x7f);
	/* a short buffer is cut, never overrun: the canary after it stays */
	memset(buf, 'x', sizeof(buf));
	ntp_pkt_refid_str(p, buf, buf_len);
	FUZZ_CHECK(buf[buf_len] == 'x' && memchr(buf, '\0', buf_len));
	ntp_pkt_refid_str(p, buf, sizeof(buf));
	if (p->stratum <= 1)
		FUZZ_CHECK(strcmp(buf, ascii) == 0);
	else
		FUZZ_CHECK(strlen(buf) >= 7 && strlen(buf) <= 15);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ntp_pkt p, again;
	uint8_t out[NTP_PKT_HEADER_LEN];
	enum ntp_pkt_status st = ntp_pkt_decode(data, size, &p);
	const char *why = ntp_pkt_status_str(st);
	double dist;

	FUZZ_CHECK(why && strcmp(why, "?") != 0);
	(void)ntp_pkt_status_str((enum ntp_pkt_status)(size % 16)); /* any value has a text */
	if (size >= 1)
		FUZZ_CHECK(p.leap == data[0] >> 6 && p.version == ((data[0] >> 3) & 7) &&
			   p.mode == (data[0] & 7));
	if (st != NTP_PKT_OK) {
		/* a header that got past version and mode decodes on its own */
		if (size > NTP_PKT_HEADER_LEN && st != NTP_PKT_E_VERSION && st != NTP_PKT_E_CONTROL)
			FUZZ_CHECK(ntp_pkt_decode(data, NTP_PKT_HEADER_LEN, &again) == NTP_PKT_OK);
		return 0;
	}
	FUZZ_CHECK(size >= NTP_PKT_HEADER_LEN && p.version >= 1 && p.version <= 4 && p.mode != 6 &&
		   p.mode != 7);
	ntp_pkt_encode(&p, out);
	FUZZ_CHECK(memcmp(out, data, NTP_PKT_HEADER_LEN) == 0);
	FUZZ_CHECK(ntp_pkt_decode(out, sizeof(out), &again) == NTP_PKT_OK);
	FUZZ_CHECK(fuzz_same_header(&p, &again) && again.n_ext == 0 && !again.has_mac);
	fuzz_check_trailer(data, size, &p);
	fuzz_check_fields(data, &p);
	fuzz_check_refid(&p, 1 + (size_t)data[size - 1] % 20);
	dist = ntp_pkt_root_dist_s(&p);
	FUZZ_CHECK(isfinite(dist) && dist >= 0 && dist < 65536.0 / 2 + 65536.0);
	return 0;
}
