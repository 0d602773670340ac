import { randomUUID } from 'node:crypto';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import {
  AskAssistantDocument,
  AssistantReplyDocument,
  AssistantThreadDocument,
  type AskAssistantInput,
  type AssistantReplySubscription,
} from '../generated/graphql.js';
import { ok, Subscription, wsClient } from './client.js';
import type { TestStack } from './stack.js';

type ReplyEvent = NonNullable<AssistantReplySubscription['assistantReply']>;
type Question = Omit<AskAssistantInput, 'clientMessageId'> & { clientMessageId?: string };

/** What a client saw of one reply, and the thread once it ended. */
export interface Followed {
  threadId: string;
  /** The text as a client builds it: a CURRENT event's text, then each DELTA from its index on. */
  text: string;
  events: ReplyEvent[];
  end: ReplyEvent;
  /** The thread's messages, oldest first. */
  messages: Awaited<ReturnType<typeof messagesOf>>;
}

/**
 * Asks in a new thread and follows the reply as a client must, not knowing the thread before asking:
 * subscribe with `current: true` right after, which sends the reply as it is first.
 */
export async function askAndFollow(t: TestStack, token: string, input: Question, timeoutMs?: number) {
  const { askAssistant } = await ask(t, token, input);
  return following(t, token, askAssistant.id, { current: true, fresh: false }, async () => {}, timeoutMs);
}

/**
 * Asks in a thread whose replies are already followed, so every delta of the reply is seen: the
 * subscription's first event (the thread's last reply as it is) says the gateway holds it.
 */
export async function askFollowing(t: TestStack, token: string, threadId: string, input: Omit<Question, 'threadId'>) {
  return following(t, token, threadId, { current: true, fresh: true }, async (subscription) => {
    await waitFor('the assistantReply subscription', () => subscription.results.length > 0);
    await ask(t, token, { ...input, threadId });
  });
}

/** Follows the thread's latest reply to its end (the end may be a CURRENT event, for a reply already over). */
export const follow = (t: TestStack, token: string, threadId: string, timeoutMs?: number) =>
  following(t, token, threadId, { current: true, fresh: false }, async () => {}, timeoutMs);

export const ask = (t: TestStack, token: string, input: Question) =>
  ok(t.url, AskAssistantDocument, { input: { clientMessageId: randomUUID(), ...input } }, token);

async function following(
  t: TestStack,
  token: string,
  threadId: string,
  { current, fresh }: { current: boolean; fresh: boolean },
  then: (subscription: Subscription<AssistantReplySubscription>) => Promise<void>,
  timeoutMs = 20_000,
): Promise<Followed> {
  const client = wsClient(t.url, token);
  const subscription = new Subscription(client, AssistantReplyDocument, { threadId, current });
  try {
    await then(subscription);
    const end = await waitFor(
      `the reply in thread ${threadId}`,
      () => {
        if (subscription.error) throw new Error(`subscription failed: ${JSON.stringify(subscription.error)}`);
        const errors = subscription.results.flatMap((r) => r.errors ?? []);
        if (errors.length) throw new Error(`subscription errors: ${JSON.stringify(errors)}`);
        const events = subscription.results.map((r) => r.data?.assistantReply).filter((e) => e != null);
        // A CURRENT event of a reply already over is its end too.
        const over = (e: ReplyEvent) => e.kind === 'CURRENT' && e.message.status !== 'STREAMING' && !fresh;
        return events.find((e) => e.kind === 'COMPLETE' || e.kind === 'FAILED' || over(e)) ?? null;
      },
      timeoutMs,
    );
    // A fresh reply's events: what came before it (the CURRENT that said the subscription is held) is not its.
    const events = subscription.results
      .map((r) => r.data?.assistantReply)
      .filter((e) => e != null && !(fresh && e.kind === 'CURRENT')) as ReplyEvent[];
    let text = '';
    let next = 0;
    for (const event of events) {
      if (event.kind === 'CURRENT') {
        text = event.delta ?? '';
        next = event.index;
      }
      if (event.kind === 'DELTA' && event.index === next) {
        text += event.delta;
        next++;
      }
    }
    return { threadId, text, events, end, messages: await messagesOf(t, token, threadId) };
  } finally {
    subscription.stop();
    await client.dispose();
  }
}

export async function messagesOf(t: TestStack, token: string, threadId: string) {
  const { assistantThread } = await ok(t.url, AssistantThreadDocument, { id: threadId, first: 50 }, token);
  return [...assistantThread.messages.edges].reverse().map((edge) => edge.node);
}
