/* empty_preload.c - a preloaded library that does nothing: what
 * LD_PRELOAD itself costs a process (bench_spawn's floor). */
void rtrack_bench_empty(void);

void rtrack_bench_empty(void)
{
}
