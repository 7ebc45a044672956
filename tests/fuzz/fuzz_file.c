/* SPDX-License-Identifier: BSD-2-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_file.h"

static int fuzz_file_fd = -1;
static char fuzz_file_input[32];

static void fuzz_file_open(void)
{
	if (fuzz_file_fd >= 0)
		return;
	fuzz_file_fd = memfd_create("fuzz-input", MFD_CLOEXEC);
	if (fuzz_file_fd < 0) {
		perror("memfd_create");
		abort();
	}
	snprintf(fuzz_file_input, sizeof(fuzz_file_input), "/proc/self/fd/%d", fuzz_file_fd);
}

const char *fuzz_file_write(const uint8_t *buf, size_t len)
{
	fuzz_file_open();
	if (ftruncate(fuzz_file_fd, 0) < 0 ||
	    (len && pwrite(fuzz_file_fd, buf, len, 0) != (ssize_t)len))
		abort();
	return fuzz_file_input;
}

const char *fuzz_file_path(enum fuzz_file_kind kind)
{
	switch (kind) {
	case FUZZ_FILE_INPUT:
		fuzz_file_open();
		return fuzz_file_input;
	case FUZZ_FILE_MISSING:
		return "/proc/self/tset-fuzz-missing"; /* the kernel's, nobody adds to it */
	case FUZZ_FILE_DIR:
	case FUZZ_FILE_KINDS:
		break;
	}
	return "/";
}
