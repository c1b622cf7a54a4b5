/**
 * Environment a worker process is started with: the image (Dockerfile ENV, checked by
 * test/unit/compose-file.test.ts) and the bench's and chaos tests' worker processes, so the
 * figures in the README are those of the worker as deployed. These settings bound memory that a
 * busy worker otherwise keeps resident without using it (bench, T workload: 425 -> ~335 MB peak RSS):
 * - MALLOC_ARENA_MAX: glibc's default of up to 8 malloc arenas per core held ~90 MB of freed
 *   native memory (Buffers, zlib, the Temporal core's threads) across the worker's threads.
 * - MALLOC_MMAP_THRESHOLD_: glibc's own starting value (128 KiB), but set, which stops glibc from
 *   raising it after each large free. Raised, multi-megabyte Buffers (a bronze part's PUT body, a
 *   Parquet file) came from the heap and left it fragmented at its high-water mark; mapped, they go
 *   back to the OS when freed (bench T, 9.5-hour units: worker peak RSS 312-314 -> 275-288 MB, rows/s
 *   within the run-to-run noise).
 * - NODE_OPTIONS: V8 grows a heap lazily up to a limit derived from the machine's RAM; these caps
 *   make it collect sooner. The worker's JavaScript heap peaks under 100 MB in the bench, so the
 *   256 MB old-space cap leaves headroom; telemetry itself lives in typed arrays, outside it.
 */
export const WORKER_PROCESS_ENV = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '131072',
  NODE_OPTIONS: '--max-semi-space-size=4 --max-old-space-size=256',
} as const;
