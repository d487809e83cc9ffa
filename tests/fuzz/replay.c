/* replay.c - a driver for the fuzz targets where libFuzzer is not used
 * (gcc builds, ctest): runs the target on every seed file given, then on
 * deterministic mutations of them (byte flips, truncations, insertions,
 * splices), so a ctest run explores beyond the seeds while staying
 * repeatable.  libFuzzer builds (RTRACK_FUZZ=ON, clang) link the same
 * targets with -fsanitize=fuzzer instead.
 *
 *   fuzz_X [-n MUTATIONS] FILE|DIR...   (default 2000 mutations) */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_LEN (1 << 20)

/* Every seed, each at its own size (a corpus grows to thousands). */
static uint8_t **seeds;
static size_t *seed_len;
static int nseeds, cap_seeds;

static void load(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	size_t n;

	if (!f)
		return;
	if (nseeds == cap_seeds) {
		cap_seeds = cap_seeds ? 2 * cap_seeds : 256;
		seeds = realloc(seeds, (size_t)cap_seeds * sizeof(*seeds));
		seed_len = realloc(seed_len,
				   (size_t)cap_seeds * sizeof(*seed_len));
		if (!seeds || !seed_len) {
			fprintf(stderr, "out of memory\n");
			exit(2);
		}
	}
	buf = malloc(MAX_LEN);
	n = buf ? fread(buf, 1, MAX_LEN, f) : 0;
	fclose(f);
	if (!buf)
		return;
	seeds[nseeds] = realloc(buf, n ? n : 1);
	seed_len[nseeds++] = n;
}

static void load_arg(const char *path)
{
	struct stat sb;
	struct dirent *e;
	DIR *d;

	if (stat(path, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		load(path);
		return;
	}
	if (!(d = opendir(path)))
		return;
	while ((e = readdir(d))) {
		char p[4096];
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
		load(p);
	}
	closedir(d);
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint64_t next_rand(void)
{
	/* xorshift64*: deterministic, so a failure repeats. */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ull;
}

/* One mutation of a random seed into buf; returns its length. */
static size_t mutate(uint8_t *buf)
{
	int s = (int)(next_rand() % (uint64_t)nseeds);
	size_t len = seed_len[s], i, k = 1 + next_rand() % 4;

	memcpy(buf, seeds[s], len);
	for (i = 0; i < k && len; i++) {
		size_t at = next_rand() % len;
		switch (next_rand() % 5) {
		case 0: buf[at] ^= (uint8_t)(1u << (next_rand() % 8)); break;
		case 1: buf[at] = (uint8_t)next_rand(); break;
		case 2: len = at; break;
		case 3:
			if (len < MAX_LEN) {
				memmove(buf + at + 1, buf + at, len - at);
				buf[at] = (uint8_t)next_rand();
				len++;
			}
			break;
		default: { /* splice another seed's tail in */
			int o = (int)(next_rand() % (uint64_t)nseeds);
			size_t from = seed_len[o] ? next_rand() % seed_len[o] : 0;
			size_t n = seed_len[o] - from;
			if (at + n > MAX_LEN)
				n = MAX_LEN - at;
			memcpy(buf + at, seeds[o] + from, n);
			len = at + n;
		}
		}
	}
	return len;
}

int main(int argc, char **argv)
{
	long mutations = 2000, i;
	uint8_t *buf;
	int a = 1;

	if (argc > 2 && strcmp(argv[1], "-n") == 0) {
		mutations = atol(argv[2]);
		a = 3;
	}
	for (; a < argc; a++)
		load_arg(argv[a]);
	if (nseeds == 0) {
		fprintf(stderr, "no seeds\n");
		return 2;
	}
	for (i = 0; i < nseeds; i++) {
		/* Exact-size copies, so a read past the end is caught by ASan. */
		uint8_t *copy = malloc(seed_len[i] ? seed_len[i] : 1);
		memcpy(copy, seeds[i], seed_len[i]);
		LLVMFuzzerTestOneInput(copy, seed_len[i]);
		free(copy);
	}
	buf = malloc(MAX_LEN);
	for (i = 0; i < mutations; i++) {
		size_t n = mutate(buf);
		uint8_t *copy = malloc(n ? n : 1);
		memcpy(copy, buf, n);
		LLVMFuzzerTestOneInput(copy, n);
		free(copy);
	}
	free(buf);
	for (i = 0; i < nseeds; i++)
		free(seeds[i]);
	free(seeds);
	free(seed_len);
	printf("%d seeds, %ld mutations: no crash\n", nseeds, mutations);
	return 0;
}
