/* SPDX-License-Identifier: BSD-2-Clause */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "config_file.h"
#include "log.h"

/* Read a whole file of at most CONFIG_FILE_MAX bytes. Returns 0 or a negative
 * errno (-EFBIG: longer). */
static int config_file_read(const char *path, char **ret_buf, size_t *ret_len)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY), r = 0;

	if (!buf || fd < 0) {
		r = buf ? -errno : -ENOMEM;
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

int config_file_load(struct config *cfg, const char *path, enum config_program prog,
		     bool must_exist)
{
	struct config_error err;
	char *buf = NULL, msg[CONFIG_MAX_PATH + 160];
	size_t len = 0;
	int r;

	r = config_file_read(path, &buf, &len);
	if (r == -ENOENT && !must_exist)
		return 1;
	if (r < 0)
		return log_errno(LOG_ERR, r, "cannot read config '%s'", path);
	r = config_parse(cfg, buf, len, path, prog, &err);
	free(buf);
	if (r < 0) {
		config_error_format(&err, msg, sizeof(msg));
		log_err("%s", msg);
		return r;
	}
	for (unsigned i = 0; i < cfg->n_notices; i++)
		log_notice("%s:%u: %s", path, cfg->notices[i].line, cfg->notices[i].text);
	if (cfg->n_notices_dropped)
		log_notice("%s: %u more notices", path, cfg->n_notices_dropped);
	return 0;
}
