/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * config_file: read a config file and parse it with config_parse(),
 * printing what went wrong (file:line:col) and the notices.
 */
#ifndef TSET_CONFIG_FILE_H
#define TSET_CONFIG_FILE_H

#include <stdbool.h>

#include "config.h"

#define CONFIG_FILE_MAX (1024 * 1024) /* bytes */

/*
 * Load path into cfg (config_init first) for prog. A missing file is fine
 * unless must_exist. Errors are printed (stderr or the log); notices go
 * through log_notice(). Returns 0, 1 when the file does not exist (and
 * need not), or a negative errno (-EINVAL: a parse error).
 */
int config_file_load(struct config *cfg, const char *path, enum config_program prog,
		     bool must_exist);

#endif
