/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target of the config parser: the whole input as a file, read
 * as tset and as tsetd, and its first line as a command-line server.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"

/* Static: struct config is large, and the fuzzer calls us millions of times. */
static struct config fuzz_cfg;

static void fuzz_parse(const uint8_t *data, size_t size, enum config_program prog)
{
	struct config_error err;
	char msg[sizeof(err.file) + sizeof(err.msg) + 32];

	memset(&err, 0, sizeof(err));
	config_init(&fuzz_cfg);
	if (config_parse(&fuzz_cfg, (const char *)data, size, "fuzz.conf", prog, &err) < 0)
		config_error_format(&err, msg, sizeof(msg));
	else /* the bounds must hold */
		FUZZ_CHECK(fuzz_cfg.n_notices <= CONFIG_MAX_NOTICES &&
			   fuzz_cfg.n_servers <= CONFIG_MAX_SERVERS);
}

static void fuzz_host_port(const uint8_t *data, size_t size)
{
	char arg[CONFIG_MAX_HOST + 16], host[CONFIG_MAX_HOST];
	const uint8_t *nl = memchr(data, '\n', size);
	size_t len = nl ? (size_t)(nl - data) : size;
	uint16_t port = 0;
	unsigned type, unit;

	if (len >= sizeof(arg))
		len = sizeof(arg) - 1;
	memcpy(arg, data, len);
	arg[len] = '\0';
	if (config_parse_host_port(arg, 123, host, sizeof(host), &port) == 0)
		FUZZ_CHECK(port != 0 && strlen(host) < sizeof(host));
	config_host_is_refclock(arg, &type, &unit);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_parse(data, size, CONFIG_PROGRAM_TSET);
	fuzz_parse(data, size, CONFIG_PROGRAM_TSETD);
	fuzz_host_port(data, size);
	return 0;
}
