import { waitFor } from '@peerlink/platform/testing/wait-for';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AnalyzeTextDocument,
  ChatEventSentimentsDocument,
  ConversationSentimentsDocument,
  DeleteMessageDocument,
  MessageSentimentsNewestFirstDocument,
  ReportedPostSentimentsDocument,
  ReportPostDocument,
  type ChatEventSentimentsSubscription,
} from './generated/graphql.js';
import { chatHelpers } from './support/chat.js';
import { codes, ok } from './support/client.js';
import { member, moderator, post, type Member } from './support/social.js';
import { startTestStack, type TestStack } from './support/stack.js';
import { recordStatements } from './support/statements.js';

/**
 * `Message.sentiment` and `Post.sentiment` belong to the assistant, which declares `@requires(fields: "body")`: the
 * gateway fetches the body from chat or social, whose rules decide who may see it, and hands it to the assistant,
 * which scores it in process.
 */
let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
});
afterAll(async () => {
  await t?.stop();
});

const { createGroup, send, subscribe } = chatHelpers(() => t);

const ABUSIVE = 'You are a worthless, disgusting idiot and I hate you. Shut up.';
const FRIENDLY = 'Thank you so much, this is wonderful news! Great job, I love it.';

/** What the assistant's own analyzeText says of a text: the sentiment a field must match for that body. */
async function sentimentOfText(reader: Member, text: string) {
  return (await ok(t.url, AnalyzeTextDocument, { text }, reader.token)).analyzeText.sentiment;
}

describe('Message.sentiment', () => {
  it('scores each message for the members who read it, without the assistant reading a table', async () => {
    const [owner, friend] = await Promise.all([member(t, 'mood'), member(t, 'mood')]);
    const group = await createGroup(owner, 'Moods', [friend]);
    const abusive = await send(owner, group.id, ABUSIVE);
    const friendly = await send(friend, group.id, FRIENDLY);

    const readAs = async (reader: Member) =>
      (await ok(t.url, ConversationSentimentsDocument, { id: group.id }, reader.token)).conversation.messages.edges.map(
        (e) => e.node,
      );
    const assistant = recordStatements(t.stack.subgraphs.find((s) => s.name === 'assistant')!);
    const read = await readAs(friend).finally(() => assistant.stop());
    expect(assistant.take()).toEqual([]);
    expect(read.map((m) => [m.id, m.body])).toEqual([
      [abusive.id, ABUSIVE],
      [friendly.id, FRIENDLY],
    ]);
    const [negative, positive] = read.map((m) => m.sentiment!);
    expect(negative.label).toBe('NEGATIVE');
    expect(negative.score).toBeLessThan(-0.5);
    expect(positive.label).toBe('POSITIVE');
    expect(positive.score).toBeGreaterThan(0.5);
    expect(negative).toEqual(await sentimentOfText(friend, ABUSIVE));
    expect(positive).toEqual(await sentimentOfText(friend, FRIENDLY));
    // The same for every member (the field is @viewerIndependent), and with the body not selected.
    expect((await readAs(owner)).map((m) => m.sentiment)).toEqual([negative, positive]);
    const newestFirst = (
      await ok(t.url, MessageSentimentsNewestFirstDocument, { conversationId: group.id }, owner.token)
    ).messages.edges;
    expect(newestFirst.map((e) => [e.node.id, e.node.sentiment])).toEqual([
      [friendly.id, positive],
      [abusive.id, negative],
    ]);
  });

  it('gives a non-member nothing: the conversation stays closed to them', async () => {
    const [owner, friend, outsider] = await Promise.all([member(t, 'mood'), member(t, 'mood'), member(t, 'mood')]);
    const group = await createGroup(owner, 'Private moods', [friend]);
    await send(owner, group.id, ABUSIVE);
    expect(await codes(t.url, ConversationSentimentsDocument, { id: group.id }, outsider.token)).toEqual(['NOT_FOUND']);
    expect(
      await codes(t.url, MessageSentimentsNewestFirstDocument, { conversationId: group.id }, outsider.token),
    ).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, ConversationSentimentsDocument, { id: group.id })).toEqual(['UNAUTHENTICATED']);
  });

  it('comes live with a new message, and is null once the message is deleted', async () => {
    const [owner, friend] = await Promise.all([member(t, 'mood'), member(t, 'mood')]);
    const group = await createGroup(owner, 'Live moods', [friend]);
    const live = await subscribe<ChatEventSentimentsSubscription>(friend, group.id, ChatEventSentimentsDocument);
    try {
      const sent = await send(owner, group.id, ABUSIVE);
      await ok(t.url, DeleteMessageDocument, { id: sent.id }, owner.token);
      await waitFor('the message and its deletion', () => live.subscription.results.length >= 2);
      expect(live.subscription.results.map((r) => r.errors)).toEqual([undefined, undefined]);
      const [added, deleted] = live.subscription.results.map((r) => r.data?.chatEvent);
      expect(added).toEqual({
        kind: 'MESSAGE_ADDED',
        message: { id: sent.id, body: ABUSIVE, deleted: false, sentiment: await sentimentOfText(friend, ABUSIVE) },
      });
      expect(added!.message!.sentiment!.label).toBe('NEGATIVE');
      expect(deleted).toEqual({
        kind: 'MESSAGE_DELETED',
        message: { id: sent.id, body: null, deleted: true, sentiment: null },
      });
    } finally {
      live.close();
    }
  });
});

describe('Post.sentiment', () => {
  it('lets moderators triage reported posts by it', async () => {
    const [author, reporter] = await Promise.all([member(t, 'mood'), member(t, 'mood')]);
    const mod = await moderator(t);
    const abusive = await post(t, author, ABUSIVE);
    const friendly = await post(t, author, FRIENDLY);
    await ok(t.url, ReportPostDocument, { postId: abusive.id, reason: 'abuse' }, reporter.token);
    await ok(t.url, ReportPostDocument, { postId: friendly.id, reason: 'I disagree' }, reporter.token);

    // The field adds no access: the queue stays the moderators'.
    expect(await codes(t.url, ReportedPostSentimentsDocument, {}, reporter.token)).toEqual(['FORBIDDEN']);
    const queue = (await ok(t.url, ReportedPostSentimentsDocument, {}, mod.token)).reportedPosts.edges.map(
      (e) => e.node,
    );
    const mostNegativeFirst = [...queue].sort((a, b) => a.post.sentiment!.score - b.post.sentiment!.score);
    expect(mostNegativeFirst.map((q) => [q.post.id, q.post.sentiment!.label, q.reports.map((r) => r.reason)])).toEqual([
      [abusive.id, 'NEGATIVE', ['abuse']],
      [friendly.id, 'POSITIVE', ['I disagree']],
    ]);
    expect(mostNegativeFirst[0]!.post.sentiment).toEqual(await sentimentOfText(mod, ABUSIVE));
  });
});
