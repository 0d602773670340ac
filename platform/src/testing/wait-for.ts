/**
 * Polls `probe` until it returns a truthy value and returns that value; fails after `timeoutMs`
 * naming `what`, with the probe's last error if it threw. Tests wait on conditions, never on sleeps.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T> | T,
  timeoutMs = 10_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    try {
      const value = await probe();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
