/* SPDX-License-Identifier: BSD-2-Clause */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_file.h"
#include "log.h"

/* The files being read, outermost first: who includes whom. */
struct config_file_stack {
	struct {
		dev_t dev;
		ino_t ino;
	} open[CONFIG_MAX_INCLUDE + 1];
	unsigned depth; /* entries in open[] */
	unsigned files; /* files read so far */
};

/* Read a whole file of at most CONFIG_FILE_MAX bytes, and say which it is.
 * Returns 0 or a negative errno (-EFBIG: longer). */
static int config_file_read(const char *path, char **ret_buf, size_t *ret_len, struct stat *ret_st)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY), r = 0;

	if (!buf || fd < 0) {
		r = buf ? -errno : -ENOMEM;
		goto out;
	}
	if (fstat(fd, ret_st) < 0) {
		r = -errno;
		goto out;
	}
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nb;

			/* room for one byte beyond the limit: it tells a file of
			 * exactly CONFIG_FILE_MAX bytes from a longer one */
			cap = cap * 2 > CONFIG_FILE_MAX ? CONFIG_FILE_MAX + 1 : cap * 2;
			nb = realloc(buf, cap);
			if (!nb) {
				r = -ENOMEM;
				goto out;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > CONFIG_FILE_MAX) {
			r = -EFBIG;
			goto out;
		}
	}
	*ret_buf = buf;
	*ret_len = len;
	buf = NULL;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return r;
}

static int config_file_parse(struct config_file_stack *st, struct config *cfg, const char *path,
			     enum config_program prog, struct config_error *ret_err);

/* A relative name is resolved against the including file's folder. */
static int config_file_resolve(const char *name, const char *including, char *ret, size_t len)
{
	const char *slash = strrchr(including, '/');
	int n;

	if (name[0] == '/' || !slash)
		n = snprintf(ret, len, "%s", name);
	else
		n = snprintf(ret, len, "%.*s/%s", (int)(slash - including), including, name);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* config_include's reader: the stack refuses loops and depth. */
static int config_file_include(void *userdata, struct config *cfg, const char *name,
			       const char *including, enum config_program prog,
			       struct config_error *ret_err)
{
	char path[CONFIG_MAX_PATH];
	int r = config_file_resolve(name, including, path, sizeof(path));

	if (r < 0)
		return r;
	return config_file_parse(userdata, cfg, path, prog, ret_err);
}

/* Read path (a loop or too deep: refused) and parse it into cfg. */
static int config_file_parse(struct config_file_stack *st, struct config *cfg, const char *path,
			     enum config_program prog, struct config_error *ret_err)
{
	const struct config_include inc = { config_file_include, st };
	struct stat sb;
	char *buf = NULL;
	size_t len = 0;
	int r;

	if (st->depth > CONFIG_MAX_INCLUDE || st->files >= CONFIG_FILE_MAX_FILES)
		return -EMLINK;
	r = config_file_read(path, &buf, &len, &sb);
	if (r < 0)
		return r;
	st->files++;
	for (unsigned i = 0; i < st->depth; i++)
		if (st->open[i].dev == sb.st_dev && st->open[i].ino == sb.st_ino) {
			free(buf);
			return -ELOOP;
		}
	st->open[st->depth].dev = sb.st_dev;
	st->open[st->depth++].ino = sb.st_ino;
	r = config_parse_include(cfg, buf, len, path, prog, &inc, ret_err);
	st->depth--;
	free(buf);
	return r;
}

/* Notices as the caller asked: each, one line for them all, or none. */
static void config_file_notices(const struct config *cfg, const char *path,
				enum config_file_notices notices)
{
	unsigned n = cfg->n_notices + cfg->n_notices_dropped;

	if (notices == CONFIG_FILE_NOTICES_NONE || n == 0)
		return;
	if (notices == CONFIG_FILE_NOTICES_SUMMARY) {
		log_notice("%s: %u line%s skipped, meant for a daemon or the other program "
			   "(-d lists them)",
			   path, n, n == 1 ? "" : "s");
		return;
	}
	for (unsigned i = 0; i < cfg->n_notices; i++)
		log_notice("%s:%u: %s", cfg->notices[i].file, cfg->notices[i].line,
			   cfg->notices[i].text);
	if (cfg->n_notices_dropped)
		log_notice("%s: %u more notices", path, cfg->n_notices_dropped);
}

int config_file_load(struct config *cfg, const char *path, enum config_program prog,
		     bool must_exist, enum config_file_notices notices)
{
	struct config_file_stack st = { .depth = 0 };
	struct config_error err;
	char msg[2 * CONFIG_MAX_PATH + 160];
	int r;

	memset(&err, 0, sizeof(err));
	r = config_file_parse(&st, cfg, path, prog, &err);
	if (r == -ENOENT && !must_exist)
		return 1;
	if (r == -EINVAL) {
		config_error_format(&err, msg, sizeof(msg));
		log_err("%s", msg);
		return r;
	}
	if (r < 0)
		return log_errno(LOG_ERR, r, "cannot read config '%s'", path);
	config_file_notices(cfg, path, notices);
	return 0;
}

/* Read all of fd into buf[0..cap): -EFBIG when it does not fit. */
static int config_file_read_fixed(int fd, char *buf, size_t cap, size_t *ret_len)
{
	size_t len = 0;

	for (;;) {
		ssize_t n = read(fd, buf + len, cap - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == cap)
			return -EFBIG;
	}
	*ret_len = len;
	return 0;
}

int config_file_load_keys(struct keys *ks, const char *path)
{
	/* one buffer, never reallocated: no copy of a key is left behind */
	char *buf = malloc(CONFIG_FILE_KEYS_MAX);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY), r;
	struct config_error err;
	char msg[CONFIG_MAX_PATH + 160];
	struct stat sb;
	size_t len = 0;

	if (!buf || fd < 0) {
		r = buf ? -errno : -ENOMEM;
		goto out;
	}
	r = fstat(fd, &sb) < 0 ? -errno : 0;
	if (r == 0 && (sb.st_mode & (S_IRGRP | S_IROTH)))
		log_warn("keys file '%s' can be read by %s: chmod go-r it", path,
			 sb.st_mode & S_IROTH ? "everyone" : "its group");
	if (r == 0)
		r = config_file_read_fixed(fd, buf, CONFIG_FILE_KEYS_MAX, &len);
	if (r == 0) {
		memset(&err, 0, sizeof(err));
		r = keys_parse(ks, buf, len, path, &err);
		if (r == -EINVAL) {
			config_error_format(&err, msg, sizeof(msg));
			log_err("%s", msg);
		}
	}
out:
	if (r < 0 && r != -EINVAL)
		log_errno(LOG_ERR, r, "cannot read keys file '%s'", path);
	if (fd >= 0)
		close(fd);
	if (buf)
		explicit_bzero(buf, CONFIG_FILE_KEYS_MAX);
	free(buf);
	return r;
}
