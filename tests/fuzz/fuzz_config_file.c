/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target: reading a config file (config_file_load). The first byte
 * says how: bit 0 the file must exist, bit 1 read as tsetd (else tset),
 * the other six which file: all ones, the input padded to CONFIG_FILE_MAX
 * plus the second byte as a signed number, so that a small input reaches
 * the size limit from both sides (rarely: a megabyte is slow to read);
 * otherwise their value modulo 4: the input, a missing file, a directory,
 * or files that include each other: the input cut at each "\n%%\n" into
 * 0.conf, 1.conf, 2.conf in a folder of their own, 0.conf read (so that
 * `includefile 1.conf`, a loop, a missing or a nested file are reached).
 * From the third byte on, the file's contents. The result must be what the file calls for: 1 for
 * a missing file that need not exist, -ENOENT when it must, -EISDIR for a
 * directory, -EFBIG beyond the limit, and otherwise exactly what
 * config_parse() makes of the same bytes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* The load gave r and fuzz_cfg: exactly what config_parse() makes of text. */
static void fuzz_as_parsed(int r, const uint8_t *text, size_t len, const char *path,
			   enum config_program prog)
{
	config_init(&fuzz_want);
	FUZZ_CHECK(r == config_parse(&fuzz_want, (const char *)text, len, path, prog, NULL));
	if (r == 0)
		fuzz_same(&fuzz_cfg, &fuzz_want);
}

#define FUZZ_PARTS 3

/* The folder of the include mode, made once. */
static const char *fuzz_dir(void)
{
	static char dir[] = "/tmp/fuzz_config_file.XXXXXX";
	static bool made;

	if (!made && !mkdtemp(dir))
		abort();
	made = true;
	return dir;
}

/* Cut body at each "\n%%\n" into up to FUZZ_PARTS files; returns the
 * first's path and its bytes in *ret_first, *ret_len. */
static const char *fuzz_write_parts(const uint8_t *body, size_t len, const uint8_t **ret_first,
				    size_t *ret_first_len)
{
	static char paths[FUZZ_PARTS][64];
	size_t start = 0;

	for (int k = 0; k < FUZZ_PARTS; k++) {
		const uint8_t *cut = NULL;
		size_t end = len;
		FILE *f;

		for (size_t i = start; k < FUZZ_PARTS - 1 && i + 4 <= len; i++)
			if (memcmp(body + i, "\n%%\n", 4) == 0) {
				cut = body + i;
				break;
			}
		if (cut)
			end = (size_t)(cut - body) + 1;
		snprintf(paths[k], sizeof(paths[k]), "%s/%d.conf", fuzz_dir(), k);
		f = fopen(paths[k], "w");
		if (!f || (end > start && fwrite(body + start, 1, end - start, f) != end - start))
			abort();
		fclose(f);
		if (k == 0) {
			*ret_first = body;
			*ret_first_len = end;
		}
		start = cut ? end + 3 : len;
	}
	return paths[0];
}

/* Files that include each other: what config_parse alone makes of 0.conf
 * when it includes nothing, else a verdict and bounded counts. */
static int fuzz_includes(const uint8_t *body, size_t len, enum config_program prog)
{
	const uint8_t *first = body;
	size_t first_len = 0;
	const char *path = fuzz_write_parts(body, len, &first, &first_len);
	int r;

	config_init(&fuzz_cfg);
	r = config_file_load(&fuzz_cfg, path, prog, true, CONFIG_FILE_NOTICES_NONE);
	FUZZ_CHECK(r == 0 || r == -EINVAL);
	FUZZ_CHECK(fuzz_cfg.n_includes < CONFIG_FILE_MAX_FILES);
	if (!memmem(first, first_len, "includefile", 11))
		fuzz_as_parsed(r, first, first_len, path, prog);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool must_exist;
	enum config_program prog;
	enum fuzz_file_kind kind;
	const uint8_t *body;
	size_t len, total;
	const char *path;
	int r;

	if (size < 2)
		return 0;
	must_exist = data[0] & 1;
	prog = data[0] & 2 ? CONFIG_PROGRAM_TSETD : CONFIG_PROGRAM_TSET;
	kind = (enum fuzz_file_kind)((data[0] >> 2) % 4);
	body = data + 2;
	len = size - 2;
	if (data[0] >> 2 != 63 && kind == FUZZ_FILE_KINDS)
		return fuzz_includes(body, len, prog);
	total = len;
	if (data[0] >> 2 == 63) { /* the size limit */
		total = (size_t)((long)CONFIG_FILE_MAX + (int8_t)data[1]);
		body = fuzz_pad(body, len, total);
		kind = FUZZ_FILE_INPUT;
	}
	path = kind == FUZZ_FILE_INPUT ? fuzz_file_write(body, total) : fuzz_file_path(kind);
	config_init(&fuzz_cfg);
	r = config_file_load(&fuzz_cfg, path, prog, must_exist, CONFIG_FILE_NOTICES_SUMMARY);
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
	fuzz_as_parsed(r, body, total, path, prog);
	return 0;
}
