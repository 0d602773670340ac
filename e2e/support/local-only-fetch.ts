/**
 * Makes `fetch` in this process refuse anything but loopback, recording what was tried: a spec whose
 * outside services are local fakes proves nothing leaves the machine (no provider, no tokenizer download).
 */
export function localOnlyFetch(): { outside: string[]; restore(): void } {
  const realFetch = globalThis.fetch;
  const outside: string[] = [];
  globalThis.fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (!['127.0.0.1', 'localhost'].includes(url.hostname)) {
      outside.push(url.href);
      return Promise.reject(new Error(`no network in tests: ${url.href}`));
    }
    return realFetch(input, init);
  };
  return {
    outside,
    restore() {
      globalThis.fetch = realFetch;
    },
  };
}
