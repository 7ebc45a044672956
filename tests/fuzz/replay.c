/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * replay: run a fuzz target's LLVMFuzzerTestOneInput over every file of
 * the directories or files given, so that builds without libFuzzer still
 * exercise the target on its seed corpus (and a crash fails the test).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	static uint8_t buf[1 << 20];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		perror(path);
		return -1;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	return 0;
}

static int replay_path(const char *path, unsigned *count)
{
	struct stat st;
	struct dirent **ents;
	char sub[4096];
	int n, r = 0;

	if (stat(path, &st) < 0) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return replay_file(path);
	}
	n = scandir(path, &ents, NULL, alphasort);
	if (n < 0) {
		perror(path);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.') {
			snprintf(sub, sizeof(sub), "%s/%s", path, ents[i]->d_name);
			if (replay_path(sub, count) < 0)
				r = -1;
		}
		free(ents[i]);
	}
	free(ents);
	return r;
}

int main(int argc, char **argv)
{
	unsigned count = 0;
	int r = 0;

	for (int i = 1; i < argc; i++)
		if (replay_path(argv[i], &count) < 0)
			r = 1;
	printf("replayed %u inputs\n", count);
	return r != 0 || count == 0;
}
