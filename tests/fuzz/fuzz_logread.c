/* fuzz_logread.c - the log reader and everything after it on hostile
 * bytes: it must never crash, hang, leak or read out of bounds, and what
 * it keeps must be consistent.
 *
 * Most mutations break a checksum, and the reader skips to the next whole
 * record (FORMAT.md D2) without looking inside; so each input is also
 * decoded with every frame's CRC-32 made right, which takes the mutated
 * payloads into the record decoders, the merge of the process table
 * (job.c, run.c), the statistics and every output format; and once more
 * within a small memory budget (run_read_buf_budget), which stops it
 * part-way as on a machine without the memory for the log. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "dump.h"
#include "run.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Rewrite the CRC of every frame that fits (FORMAT.md R1). */
static void repair(uint8_t *buf, size_t len)
{
	size_t off = RT_LOG_PREAMBLE_LEN;

	while (off < len) {
		struct codec_in in = { buf + off + 1, buf + len, 0 };
		uint64_t l = codec_get_varint(&in);
		size_t body;
		uint32_t crc;

		if (in.bad || l > RT_LOG_MAX_PAYLOAD)
			return;
		body = (size_t)(in.p - buf);
		if (len - body < l + 4)
			return;
		crc = codec_crc32(0, buf + off, body + (size_t)l - off);
		memcpy(buf + body + l, &crc, 4); /* little-endian hosts */
		off = body + (size_t)l + 4;
	}
}

static void consume(const uint8_t *data, size_t size, size_t budget,
		    FILE *sink)
{
	struct run run;
	const struct rt_log *log = &run.log;
	char err[256];

	if (run_read_buf_budget(data, size, budget, &run, err, sizeof(err)) != 0)
		return;
	if (log->damaged && log->damage_offset > size)
		abort();
	/* The damaged stretches: in order, apart, within the input; the
	 * first one is the log's damage (unless memory stopped it later);
	 * a tail is the one damage. */
	for (size_t i = 0; i < log->ndamages; i++)
		if (log->damages[i].start >= log->damages[i].end ||
		    log->damages[i].end > size ||
		    (i && log->damages[i].start < log->damages[i - 1].end))
			abort();
	if ((log->ndamages && !log->damaged) ||
	    (log->ndamages && !log->damage_memory &&
	     log->damage_offset != log->damages[0].start) ||
	    (log->damage_tail && log->ndamages != 1))
		abort();
	/* Every array together within the budget (they are held to it by
	 * capacity, which is at least their length). */
	if (log->nsamples * sizeof(*log->samples) +
		    log->nprocs * sizeof(*log->procs) +
		    log->nexits * sizeof(*log->exits) +
		    log->nexecs * sizeof(*log->execs) +
		    log->ngpu_vals * sizeof(*log->gpu_vals) +
		    log->ngpu_samples * sizeof(*log->gpu_samples) +
		    log->ndamages * sizeof(*log->damages) > budget ||
	    (log->damage_memory && !log->damaged))
		abort();
	if (run.job.nexact > run.job.nprocs)
		abort();
	if (sink) {
		dump_summary(sink, &run, "fuzz");
		dump_processes(sink, &run, "fuzz");
		dump_csv(sink, &run, "fuzz");
		dump_json(sink, &run, "fuzz");
		dump_html(sink, &run, "fuzz");
		dump_openmetrics(sink, &run, "fuzz");
		dump_check(sink, &run, "fuzz");
	}
	run_free(&run);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	uint8_t *copy;

	if (!sink)
		sink = fopen("/dev/null", "w");
	consume(data, size, SIZE_MAX, NULL);
	if (size > 1 << 20 || !(copy = malloc(size ? size : 1)))
		return 0;
	memcpy(copy, data, size);
	repair(copy, size);
	consume(copy, size, SIZE_MAX, sink);
	/* A budget of 1 to 8 KiB, from the input's size. */
	consume(copy, size, (size % 8 + 1) * 1024, sink);
	free(copy);
	return 0;
}
