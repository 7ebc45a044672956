/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * config_file: read a config file and parse it with config_parse(),
 * printing what went wrong (file:line:col) and the notices.
 */
#ifndef TSET_CONFIG_FILE_H
#define TSET_CONFIG_FILE_H

#include <stdbool.h>

#include "config.h"
#include "keys.h"

#define CONFIG_FILE_MAX	      (1024 * 1024) /* bytes, per file */
#define CONFIG_FILE_MAX_FILES 64	    /* files one load reads, includes counted */

/* How much to say of the directives a program skips. */
enum config_file_notices {
	CONFIG_FILE_NOTICES_ALL,     /* one line each (-d, -v) */
	CONFIG_FILE_NOTICES_SUMMARY, /* one line for them all (the default) */
	CONFIG_FILE_NOTICES_NONE,    /* nothing (-s: cron mails what is printed) */
};

/*
 * Load path into cfg (config_init first) for prog, following includefile
 * lines: a relative name is taken from the including file's folder (as
 * ntpd does), at most CONFIG_MAX_INCLUDE deep and CONFIG_FILE_MAX_FILES
 * files in all, and a file that includes itself, by any name (its device
 * and inode), is an error. A missing file is fine unless must_exist; a
 * missing included file never is. Errors are printed (stderr or the log);
 * notices go through log_notice() as notices says. Returns 0, 1 when the
 * file does not exist (and need not), or a negative errno (-EINVAL: a
 * parse error, in the file or in one it includes). After an error cfg is
 * partial: a caller never uses it.
 */
int config_file_load(struct config *cfg, const char *path, enum config_program prog,
		     bool must_exist, enum config_file_notices notices);

#define CONFIG_FILE_KEYS_MAX (64 * 1024) /* bytes of a keys file */

/*
 * Read the keys file path into ks (keys_init first). Errors are printed
 * as file:line:col (never a key); a file that its group or others may
 * read gets a warning. The bytes read are wiped before they are freed.
 * Returns 0 or a negative errno (-EINVAL: a bad entry).
 */
int config_file_load_keys(struct keys *ks, const char *path);
#endif
