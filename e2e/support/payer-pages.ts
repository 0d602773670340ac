import type { TestStack } from './stack.js';

/**
 * The payer opens a link the API gave them (an `actionUrl`) on the gateway under test: the stack
 * listens on a port of its own, so only the link's path and query are kept.
 */
export const onGateway = (t: TestStack, link: string) => {
  const { pathname, search } = new URL(link);
  return new URL(`${pathname}${search}`, t.url);
};

/** The payer answers the sandbox's 3-D Secure page: opens it, then presses one of its buttons. */
export async function answerSandbox3ds(t: TestStack, actionUrl: string, outcome: 'succeed' | 'fail') {
  const url = onGateway(t, actionUrl);
  const shown = await fetch(url);
  if (shown.status !== 200 || !(await shown.text()).includes(`value="${outcome}"`))
    throw new Error(`The 3-D Secure page at ${url} is not waiting (${shown.status})`);
  // Its buttons move money: no other site may frame it under a decoy.
  if (!/frame-ancestors 'none'/.test(shown.headers.get('content-security-policy') ?? ''))
    throw new Error(`The 3-D Secure page at ${url} may be framed`);
  const answered = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ outcome }),
  });
  return { status: answered.status, html: await answered.text() };
}
