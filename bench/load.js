import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { percentile } from './util.js';

/**
 * One autocannon run, `options` as autocannon takes them. Latencies are kept at microsecond
 * precision (autocannon's own histogram rounds to 1 ms); GraphQL reports failures with HTTP 200,
 * so a body with "errors" counts as one, and the first failure of any kind is kept to show.
 */
export async function latencyRun(options) {
  const latencies = [];
  let firstFailure;
  const started = performance.now();
  const instance = autocannon({
    ...options,
    verifyBody: (text) => {
      const ok = !text.includes('"errors"');
      if (!ok) firstFailure ??= text.slice(0, 300);
      return ok;
    },
  });
  instance.on('response', (_client, status, _bytes, ms) => {
    if (status >= 200 && status < 300) latencies.push(ms);
    else firstFailure ??= `HTTP ${status}`;
  });
  instance.on('reqError', (error) => (firstFailure ??= error.message));
  const result = await instance;
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    elapsed,
    latencies,
    requests: latencies.length,
    rps: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    failures: result.errors + result.timeouts + result.non2xx + result.mismatches,
    firstFailure,
  };
}
