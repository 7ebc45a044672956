/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target: reading a config file (config_file_load). The first byte
 * says how: bit 0 the file must exist, bit 1 read as tsetd (else tset),
 * the other six which file: all ones, the input padded to CONFIG_FILE_MAX
 * plus the second byte as a signed number, so that a small input reaches
 * the size limit from both sides (rarely: a megabyte is slow to read);
 * otherwise their value modulo 3: the input, a missing file, a directory.
 * From the third byte on, the file's contents. The result must be what the file calls for: 1 for
 * a missing file that need not exist, -ENOENT when it must, -EISDIR for a
 * directory, -EFBIG beyond the limit, and otherwise exactly what
 * config_parse() makes of the same bytes.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "config_file.h"
#include "fuzz_file.h"

/* Static: struct config is large. */
static struct config fuzz_cfg, fuzz_want;

/*
 * The file for the size limit: body, a newline, then one line of '#' to
 * total bytes. That line is too long to parse, so the parser stops there
 * at once: what is tested is the reader's limit, cheaply.
 */
static const uint8_t *fuzz_pad(const uint8_t *body, size_t len, size_t total)
{
	static uint8_t buf[CONFIG_FILE_MAX + 128];

	if (len > total)
		len = total;
	memcpy(buf, body, len);
	if (len < total) {
		buf[len] = '\n';
		memset(buf + len + 1, '#', total - len - 1);
	}
	return buf;
}

static void fuzz_same(const struct config *a, const struct config *b)
{
	FUZZ_CHECK(a->n_servers == b->n_servers && a->n_refclocks == b->n_refclocks &&
		   a->n_restricts == b->n_restricts && a->n_interfaces == b->n_interfaces &&
		   a->n_trusted == b->n_trusted && a->n_notices == b->n_notices &&
		   a->n_notices_dropped == b->n_notices_dropped);
	for (unsigned i = 0; i < a->n_servers; i++)
		FUZZ_CHECK(strcmp(a->servers[i].host, b->servers[i].host) == 0 &&
			   a->servers[i].port == b->servers[i].port);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool must_exist;
	enum config_program prog;
	enum fuzz_file_kind kind;
	const uint8_t *body;
	size_t len, total;
	const char *path;
	int r, want;

	if (size < 2)
		return 0;
	must_exist = data[0] & 1;
	prog = data[0] & 2 ? CONFIG_PROGRAM_TSETD : CONFIG_PROGRAM_TSET;
	kind = (enum fuzz_file_kind)((data[0] >> 2) % 3);
	body = data + 2;
	len = size - 2;
	total = len;
	if (data[0] >> 2 == 63) { /* the size limit */
		total = (size_t)((long)CONFIG_FILE_MAX + (int8_t)data[1]);
		body = fuzz_pad(body, len, total);
		kind = FUZZ_FILE_INPUT;
	}
	path = kind == FUZZ_FILE_INPUT ? fuzz_file_write(body, total) : fuzz_file_path(kind);
	config_init(&fuzz_cfg);
	r = config_file_load(&fuzz_cfg, path, prog, must_exist, CONFIG_FILE_NOTICES_ALL);
	switch (kind) {
	case FUZZ_FILE_MISSING:
		FUZZ_CHECK(r == (must_exist ? -ENOENT : 1) && fuzz_cfg.n_servers == 0);
		return 0;
	case FUZZ_FILE_DIR:
		FUZZ_CHECK(r == -EISDIR);
		return 0;
	default:
		break;
	}
	if (total > CONFIG_FILE_MAX) {
		FUZZ_CHECK(r == -EFBIG);
		return 0;
	}
	config_init(&fuzz_want);
	want = config_parse(&fuzz_want, (const char *)body, total, path, prog, NULL);
	FUZZ_CHECK(r == want);
	if (r == 0)
		fuzz_same(&fuzz_cfg, &fuzz_want);
	return 0;
}
