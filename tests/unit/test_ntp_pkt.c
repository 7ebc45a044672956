/* SPDX-License-Identifier: BSD-2-Clause */
#include <check.h>
#include <string.h>

#include "check_run.h"
#include "ntp_pkt.h"

/* A valid 48-byte server reply with the given first byte. */
static void make_header(uint8_t *buf, uint8_t li_vn_mode)
{
	memset(buf, 0, NTP_PKT_HEADER_LEN);
	buf[0] = li_vn_mode;
	buf[1] = 2;
	buf[2] = 6;
	buf[3] = (uint8_t)-20;
	memcpy(buf + 12, "\x7f\x00\x00\x01", 4);
	for (int i = 16; i < 48; i++)
		buf[i] = (uint8_t)i;
}

static uint8_t lvm(unsigned li, unsigned vn, unsigned mode)
{
	return (uint8_t)(li << 6 | vn << 3 | mode);
}

/* Append an extension field header (type, length) at buf + off. */
static void put_ef(uint8_t *buf, size_t off, uint16_t type, uint16_t len)
{
	buf[off] = (uint8_t)(type >> 8);
	buf[off + 1] = (uint8_t)type;
	buf[off + 2] = (uint8_t)(len >> 8);
	buf[off + 3] = (uint8_t)len;
}

static const struct {
	const char *what;
	size_t len;    /* datagram length */
	uint8_t first; /* LI/VN/mode */
	int ef_len;    /* >= 0: an extension field header at 48 with this length */
	enum ntp_pkt_status want;
	unsigned n_ext;
	bool mac;
	size_t mac_len;
} vectors[] = {
	{ "empty datagram", 0, 0x24, -1, NTP_PKT_E_SHORT, 0, false, 0 },
	{ "one byte", 1, 0x24, -1, NTP_PKT_E_SHORT, 0, false, 0 },
	{ "47 bytes", 47, 0x24, -1, NTP_PKT_E_SHORT, 0, false, 0 },
	{ "48-byte v4 server reply", 48, 0x24, -1, NTP_PKT_OK, 0, false, 0 },
	{ "version 0", 48, 0x04, -1, NTP_PKT_E_VERSION, 0, false, 0 },
	{ "version 5", 48, 0x2c, -1, NTP_PKT_E_VERSION, 0, false, 0 },
	{ "version 7", 48, 0x3c, -1, NTP_PKT_E_VERSION, 0, false, 0 },
	{ "version 1", 48, 0x0c, -1, NTP_PKT_OK, 0, false, 0 },
	{ "version 3", 48, 0x1c, -1, NTP_PKT_OK, 0, false, 0 },
	{ "md5 mac (20)", 68, 0x24, -1, NTP_PKT_OK, 0, true, 16 },
	{ "sha1 mac (24)", 72, 0x24, -1, NTP_PKT_OK, 0, true, 20 },
	{ "crypto-nak (4)", 52, 0x24, -1, NTP_PKT_OK, 0, true, 0 },
	{ "20 trailing bytes: a mac, not an extension field", 68, 0x24, 16, NTP_PKT_OK, 0, true,
	  16 },
	{ "22 trailing bytes", 70, 0x24, -1, NTP_PKT_E_MAC_LEN, 0, false, 0 },
	{ "8 trailing bytes", 56, 0x24, -1, NTP_PKT_E_EF_SHORT, 0, false, 0 },
	{ "ef of 16", 64, 0x24, 16, NTP_PKT_OK, 1, false, 0 },
	{ "ef of 16 then md5 mac", 84, 0x24, 16, NTP_PKT_OK, 1, true, 16 },
	{ "ef of 28 (RFC 5905 minimum without mac)", 76, 0x24, 28, NTP_PKT_OK, 1, false, 0 },
	{ "ef length 12", 64, 0x24, 12, NTP_PKT_E_EF_LEN, 0, false, 0 },
	{ "ef length 0", 64, 0x24, 0, NTP_PKT_E_EF_LEN, 0, false, 0 },
	{ "ef length 18 (not a multiple of 4)", 80, 0x24, 18, NTP_PKT_E_EF_LEN, 0, false, 0 },
	{ "ef longer than the datagram", 80, 0x24, 64, NTP_PKT_E_EF_TRUNC, 0, false, 0 },
	{ "ef of 32 then a crypto-nak", 84, 0x24, 32, NTP_PKT_OK, 1, true, 0 },
	{ "ef of 32 then 6 stray bytes", 86, 0x24, 32, NTP_PKT_E_EF_SHORT, 1, false, 0 },
	{ "v3 with md5 mac", 68, 0x1c, -1, NTP_PKT_OK, 0, true, 16 },
	{ "v3 with an extension field", 64, 0x1c, 16, NTP_PKT_E_MAC_LEN, 0, false, 0 },
	/* chronyd's NTPv3 packet with a whole SHA256 digest: only a MAC can
	 * follow a v3 header, of any digest length from 16 to 64, by 4 */
	{ "v3 with a whole sha256 mac (36)", 84, 0x1c, -1, NTP_PKT_OK, 0, true, 32 },
	{ "v3 with a sha512 mac (68)", 116, 0x1c, -1, NTP_PKT_OK, 0, true, 64 },
	{ "v3 with 72 trailing bytes", 120, 0x1c, -1, NTP_PKT_E_MAC_LEN, 0, false, 0 },
	{ "v3 with 34 trailing bytes", 82, 0x1c, -1, NTP_PKT_E_MAC_LEN, 0, false, 0 },
	{ "v4 with 36 trailing bytes: an extension field", 84, 0x24, -1, NTP_PKT_E_EF_LEN, 0, false,
	  0 },
	{ "1000-byte datagram, one ef of 952", 1000, 0x24, 952, NTP_PKT_OK, 1, false, 0 },
	{ "1000-byte datagram, zero trailer", 1000, 0x24, 0, NTP_PKT_E_EF_LEN, 0, false, 0 },
	{ "1000-byte datagram, version 0", 1000, 0x00, -1, NTP_PKT_E_VERSION, 0, false, 0 },
};

START_TEST(test_pkt_decode_vectors)
{
	uint8_t buf[1100] = { 0 };
	struct ntp_pkt p;
	enum ntp_pkt_status st;

	make_header(buf, vectors[_i].first);
	if (vectors[_i].ef_len >= 0)
		put_ef(buf, NTP_PKT_HEADER_LEN, 0x0104, (uint16_t)vectors[_i].ef_len);
	st = ntp_pkt_decode(buf, vectors[_i].len, &p);
	ck_assert_msg(st == vectors[_i].want, "%s: got '%s', want '%s'", vectors[_i].what,
		      ntp_pkt_status_str(st), ntp_pkt_status_str(vectors[_i].want));
	if (st != NTP_PKT_OK)
		return;
	ck_assert_msg(p.n_ext == vectors[_i].n_ext, "%s: %u extension fields", vectors[_i].what,
		      p.n_ext);
	ck_assert_msg(p.has_mac == vectors[_i].mac, "%s: mac %d", vectors[_i].what, p.has_mac);
	ck_assert_uint_eq(p.mac_len, vectors[_i].mac_len);
	ck_assert_uint_eq(NTP_PKT_HEADER_LEN + p.ext_len + (p.has_mac ? 4 + p.mac_len : 0),
			  vectors[_i].len);
}
END_TEST

START_TEST(test_pkt_every_mode)
{
	uint8_t buf[NTP_PKT_HEADER_LEN];
	struct ntp_pkt p;
	unsigned mode = (unsigned)_i;
	enum ntp_pkt_status st;

	make_header(buf, lvm(0, 4, mode));
	st = ntp_pkt_decode(buf, sizeof(buf), &p);
	ck_assert_uint_eq(p.mode, mode);
	if (mode == NTP_MODE_CONTROL || mode == NTP_MODE_PRIVATE)
		ck_assert_int_eq(st, NTP_PKT_E_CONTROL);
	else
		ck_assert_int_eq(st, NTP_PKT_OK);
}
END_TEST

START_TEST(test_pkt_mac_keyid_and_digest_position)
{
	uint8_t buf[72];
	struct ntp_pkt p;

	make_header(buf, lvm(0, 4, 4));
	memcpy(buf + 48, "\x00\x00\x01\x02", 4);
	memset(buf + 52, 0xab, 20);
	ck_assert_int_eq(ntp_pkt_decode(buf, sizeof(buf), &p), NTP_PKT_OK);
	ck_assert_uint_eq(p.mac_keyid, 258);
	ck_assert_uint_eq(p.mac_off, 52);
	ck_assert_uint_eq(p.mac_len, 20);
}
END_TEST

START_TEST(test_pkt_encode_decode_round_trip)
{
	struct ntp_pkt in = {
		.leap = NTP_LEAP_INSERT, .version = 4, .mode = NTP_MODE_SERVER, .stratum = 3,
		.poll = -6, .precision = -24, .root_delay_ntp32 = 0x00012345,
		.root_disp_ntp32 = 0xfedcba98, .refid = { 192, 0, 2, 1 },
		.ref_ntp64 = 0x0123456789abcdefull, .org_ntp64 = 0xfedcba9876543210ull,
		.rec_ntp64 = 0x1111222233334444ull, .xmt_ntp64 = 0xffffffffffffffffull,
	}, out;
	uint8_t buf[NTP_PKT_HEADER_LEN];

	ntp_pkt_encode(&in, buf);
	ck_assert_uint_eq(buf[0], 0x64);
	ck_assert_int_eq(ntp_pkt_decode(buf, sizeof(buf), &out), NTP_PKT_OK);
	ck_assert_uint_eq(out.leap, in.leap);
	ck_assert_uint_eq(out.version, in.version);
	ck_assert_uint_eq(out.mode, in.mode);
	ck_assert_uint_eq(out.stratum, in.stratum);
	ck_assert_int_eq(out.poll, in.poll);
	ck_assert_int_eq(out.precision, in.precision);
	ck_assert_uint_eq(out.root_delay_ntp32, in.root_delay_ntp32);
	ck_assert_uint_eq(out.root_disp_ntp32, in.root_disp_ntp32);
	ck_assert_mem_eq(out.refid, in.refid, 4);
	ck_assert_uint_eq(out.ref_ntp64, in.ref_ntp64);
	ck_assert_uint_eq(out.org_ntp64, in.org_ntp64);
	ck_assert_uint_eq(out.rec_ntp64, in.rec_ntp64);
	ck_assert_uint_eq(out.xmt_ntp64, in.xmt_ntp64);
}
END_TEST

START_TEST(test_pkt_zero_transmit_decodes_and_is_flagged)
{
	uint8_t buf[NTP_PKT_HEADER_LEN];
	struct ntp_pkt p;

	make_header(buf, lvm(0, 4, 4));
	memset(buf + 40, 0, 8);
	ck_assert_int_eq(ntp_pkt_decode(buf, sizeof(buf), &p), NTP_PKT_OK);
	ck_assert(ntp_pkt_xmt_is_zero(&p));
	ck_assert(!ntp_pkt_rec_is_zero(&p));
}
END_TEST

static const struct {
	const char code[5];
	unsigned stratum;
	enum ntp_kiss kiss;
	bool stops;
	bool unsync; /* at LI 0: a stratum 0 that is no kiss is unsynchronised */
} kisses[] = {
	{ "RATE", 0, NTP_KISS_RATE, true, false },
	{ "DENY", 0, NTP_KISS_DENY, true, false },
	{ "RSTR", 0, NTP_KISS_RSTR, true, false },
	{ "NTSN", 0, NTP_KISS_NTSN, false, false },
	{ "ACST", 0, NTP_KISS_OTHER, false, false },
	{ "AUTH", 0, NTP_KISS_OTHER, false, false },
	{ "AUTO", 0, NTP_KISS_OTHER, false, false },
	{ "BCST", 0, NTP_KISS_OTHER, false, false },
	{ "CRYP", 0, NTP_KISS_OTHER, false, false },
	{ "DROP", 0, NTP_KISS_OTHER, false, false },
	{ "MCST", 0, NTP_KISS_OTHER, false, false },
	{ "NKEY", 0, NTP_KISS_OTHER, false, false },
	{ "RMOT", 0, NTP_KISS_OTHER, false, false },
	/* not synchronised (yet): ntpsec's first minutes, a step under way */
	{ "INIT", 0, NTP_KISS_NONE, false, true },
	{ "STEP", 0, NTP_KISS_NONE, false, true },
	/* no code at all: chronyd without a source sends a zero refid */
	{ "", 0, NTP_KISS_NONE, false, true },
	{ "XYZW", 0, NTP_KISS_NONE, false, true },
	{ "rate", 0, NTP_KISS_NONE, false, true },  /* codes are upper case */
	{ "RATE", 1, NTP_KISS_NONE, false, false }, /* a stratum-1 refid is no kiss */
	{ "DENY", 2, NTP_KISS_NONE, false, false },
};

START_TEST(test_pkt_kiss_codes)
{
	uint8_t buf[NTP_PKT_HEADER_LEN];
	struct ntp_pkt p;
	char text[5];

	make_header(buf, lvm(0, 4, 4));
	buf[1] = (uint8_t)kisses[_i].stratum;
	memcpy(buf + 12, kisses[_i].code, 4);
	ck_assert_int_eq(ntp_pkt_decode(buf, sizeof(buf), &p), NTP_PKT_OK);
	ck_assert_int_eq(ntp_pkt_is_kod(&p), kisses[_i].kiss != NTP_KISS_NONE);
	ck_assert_int_eq(ntp_pkt_is_unsynchronized(&p), kisses[_i].unsync);
	ck_assert_int_eq(ntp_pkt_kiss(&p), kisses[_i].kiss);
	/* servers send their kisses with LI 3: the code decides, not the LI */
	buf[0] = lvm(3, 4, 4);
	ck_assert_int_eq(ntp_pkt_decode(buf, sizeof(buf), &p), NTP_PKT_OK);
	ck_assert_int_eq(ntp_pkt_kiss(&p), kisses[_i].kiss);
	ck_assert(ntp_pkt_is_unsynchronized(&p));
	ck_assert_int_eq(ntp_kiss_stops_source(ntp_pkt_kiss(&p)), kisses[_i].stops);
	ntp_pkt_refid_ascii(&p, text);
	ck_assert_str_eq(text, kisses[_i].code);
}
END_TEST

START_TEST(test_pkt_refid_text)
{
	struct ntp_pkt p = { .stratum = 1, .refid = { 'G', 'P', 'S', 0 } };
	char buf[32];

	ntp_pkt_refid_str(&p, buf, sizeof(buf));
	ck_assert_str_eq(buf, "GPS");
	memcpy(p.refid, "\x01\x7f\x80X", 4);
	ntp_pkt_refid_str(&p, buf, sizeof(buf));
	ck_assert_str_eq(buf, "??\?X");
	p.stratum = 2;
	memcpy(p.refid, "\xc0\x00\x02\x01", 4);
	ntp_pkt_refid_str(&p, buf, sizeof(buf));
	ck_assert_str_eq(buf, "192.0.2.1");
}
END_TEST

START_TEST(test_pkt_named_checks)
{
	struct ntp_pkt p = { .leap = NTP_LEAP_UNSYNC,
			     .stratum = 16,
			     .root_delay_ntp32 = 0x00010000,
			     .root_disp_ntp32 = 0x00008000 };

	ck_assert(ntp_pkt_is_unsynchronized(&p));
	ck_assert(!ntp_pkt_stratum_is_valid(&p));
	p.stratum = 15;
	ck_assert(ntp_pkt_stratum_is_valid(&p));
	p.stratum = 0;
	ck_assert(!ntp_pkt_stratum_is_valid(&p));
	p.leap = NTP_LEAP_DELETE;
	/* stratum 0 without a kiss code: unsynchronised whatever the LI says */
	ck_assert(ntp_pkt_is_unsynchronized(&p));
	p.stratum = 2;
	ck_assert(!ntp_pkt_is_unsynchronized(&p));
	ck_assert_double_eq(ntp_pkt_root_dist_s(&p), 1.0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ntp_pkt");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_pkt_decode_vectors, 0, sizeof(vectors) / sizeof(vectors[0]));
	tcase_add_loop_test(tc, test_pkt_every_mode, 0, 8);
	tcase_add_test(tc, test_pkt_mac_keyid_and_digest_position);
	tcase_add_test(tc, test_pkt_encode_decode_round_trip);
	tcase_add_test(tc, test_pkt_zero_transmit_decodes_and_is_flagged);
	tcase_add_loop_test(tc, test_pkt_kiss_codes, 0, sizeof(kisses) / sizeof(kisses[0]));
	tcase_add_test(tc, test_pkt_refid_text);
	tcase_add_test(tc, test_pkt_named_checks);
	suite_add_tcase(s, tc);
	return check_run(s);
}
