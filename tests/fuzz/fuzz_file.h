/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_file: the files a fuzz target lets the code under test open. The
 * code gets paths, not contents, so a target hands it one of these and
 * never a path of the machine's own: an input's bytes in a memory file
 * (memfd, read through /proc/self/fd), a name that cannot exist, and a
 * directory.
 */
#ifndef TSET_FUZZ_FILE_H
#define TSET_FUZZ_FILE_H

#include <stddef.h>
#include <stdint.h>

enum fuzz_file_kind {
	FUZZ_FILE_INPUT,   /* what fuzz_file_write() wrote last */
	FUZZ_FILE_MISSING, /* open() fails with ENOENT */
	FUZZ_FILE_DIR,	   /* open() succeeds, read() fails with EISDIR */
	FUZZ_FILE_KINDS,
};

/* The file's contents become buf[0..len). Returns the path of FUZZ_FILE_INPUT. */
const char *fuzz_file_write(const uint8_t *buf, size_t len);

const char *fuzz_file_path(enum fuzz_file_kind kind);

#endif
