/**
 * Preloaded (`node --expose-gc --import`) into the gateway whose idle-socket memory the bench
 * reads: on SIGUSR2 it collects garbage fully and prints heap used and RSS as one JSON line.
 */
process.on('SIGUSR2', () => {
  globalThis.gc();
  globalThis.gc();
  const { heapUsed, rss } = process.memoryUsage();
  process.stdout.write(`${JSON.stringify({ memory: { heapUsed, rss } })}\n`);
});
