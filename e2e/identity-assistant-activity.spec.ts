import { randomUUID } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MyActivityDocument } from './generated/graphql.js';
import { askAndFollow } from './support/assistant.js';
import { ok } from './support/client.js';
import { services, signUp, startTestStack, type TestStack } from './support/stack.js';

/** Each question to a bot goes in the asker's activity log (identity), by the assistant's event. */
let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
});
afterAll(() => t?.stop());

async function questionsIn(token: string) {
  const { myActivity } = await ok(t.url, MyActivityDocument, { first: 50 }, token);
  return myActivity!.edges.map((edge) => edge.node).filter((node) => node.kind === 'ASSISTANT_ASKED');
}

describe('questions to the assistant in the activity log', () => {
  it('records which bot and which thread, in the asker’s log alone, never the question', async () => {
    const asker = await signUp(t, 'asker');
    const other = await signUp(t, 'other');
    const question = 'I want my money back for the walnut lamp';
    const asked = await askAndFollow(t, asker.token, { bot: 'support', message: question });
    const [entry] = await waitFor('the question in the asker’s activity', async () => {
      const entries = await questionsIn(asker.token);
      return entries.length > 0 ? entries : null;
    });
    const questionMessage = asked.messages.find((message) => message.role === 'USER')!;
    expect(entry).toMatchObject({
      detail: `support in thread ${asked.threadId}`,
      ip: null,
      userAgent: null,
      // When it was asked, not when identity heard of it.
      createdAt: questionMessage.createdAt,
    });
    expect(entry!.detail).not.toContain('walnut');
    // The event is committed and handled by now: the other user's log never gets it.
    expect(await questionsIn(other.token)).toEqual([]);
    expect(await questionsIn(asker.token)).toHaveLength(1);
  });

  it('records an event delivered twice once', async () => {
    const user = await signUp(t, 'twice');
    const threadId = randomUUID();
    const event = {
      id: randomUUID(),
      name: 'assistant.question.asked',
      occurredAt: new Date().toISOString(),
      payload: { userId: user.id, threadId, messageId: randomUUID(), bot: 'general', at: new Date().toISOString() },
    };
    const nc = await connect({ servers: services.nats });
    try {
      // The replay subject skips JetStream's publish de-duplication: only identity's inbox can stop the second.
      for (let i = 0; i < 2; i++)
        nc.publish(`${t.namespace}.replay.identity.assistant.question.asked`, JSON.stringify(event));
      await nc.flush();
      const jsm = await jetstreamManager(nc);
      await waitFor('identity to handle both deliveries', async () => {
        const consumer = await jsm.consumers.info(`${t.namespace.toUpperCase()}_EVENTS`, 'identity__replay');
        return consumer.delivered.consumer_seq >= 2 && consumer.num_pending === 0 && consumer.num_ack_pending === 0;
      });
    } finally {
      await nc.drain();
    }
    const entries = await questionsIn(user.token);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.detail).toBe(`general in thread ${threadId}`);
  });
});
