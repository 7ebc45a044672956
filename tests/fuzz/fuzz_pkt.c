/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz target: the NTP packet decoder, re-encode and the named checks. */
#include <stdint.h>
#include <string.h>

#include "ntp_pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ntp_pkt p;
	uint8_t out[NTP_PKT_HEADER_LEN];
	char refid[32];

	if (ntp_pkt_decode(data, size, &p) != NTP_PKT_OK)
		return 0;
	/* what decodes must encode back to the same header */
	ntp_pkt_encode(&p, out);
	if (memcmp(out, data, NTP_PKT_HEADER_LEN) != 0)
		__builtin_trap();
	if (p.ext_len + (p.has_mac ? p.mac_len + 4 : 0) + NTP_PKT_HEADER_LEN != size)
		__builtin_trap();
	ntp_pkt_refid_str(&p, refid, sizeof(refid));
	(void)ntp_kiss_stops_source(ntp_pkt_kiss(&p));
	(void)ntp_pkt_root_dist_s(&p);
	return 0;
}
