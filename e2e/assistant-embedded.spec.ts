import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import {
  AnalyzeTextDocument,
  AssistantBotsDocument,
  AssistantChatMessagesDocument,
  EnrollDocument,
} from './generated/graphql.js';
import { askAndFollow, askFollowing } from './support/assistant.js';
import { chatHelpers } from './support/chat.js';
import { codes, ok } from './support/client.js';
import { upload } from './support/drive.js';
import { instructor, publishedCourse } from './support/learning.js';
import { buy, listed, orderReaches, seller } from './support/marketplace.js';
import { signUp, startEmbeddedTestStack, type TestStack } from './support/stack.js';

/**
 * The assistant with nothing outside the process: the offline engine recognises what is asked from the
 * bots' examples, runs the same LangGraph agent and tools (through the gateway, as the user), and
 * answers with what they found.
 */
let t: TestStack;
beforeAll(async () => {
  t = await startEmbeddedTestStack();
});
afterAll(() => t?.stop());
const chat = chatHelpers(() => t);

describe('the embedded assistant', () => {
  it('says in every bot’s description that the offline engine answers', async () => {
    const user = await signUp(t, 'asker');
    const { assistantBots } = await ok(t.url, AssistantBotsDocument, {}, user.token);
    expect(assistantBots.map((bot) => bot.slug)).toEqual(['general', 'shopping', 'courses', 'support']);
    for (const bot of assistantBots) expect(bot.description).toMatch(/offline engine, not a language model/);
    // Instructions are for admins.
    expect(assistantBots.every((bot) => bot.instructions === null)).toBe(true);
  });

  it('support answers "where is my order" with that user’s real order status, and another user’s own', async () => {
    const shop = await seller(t);
    const product = await listed(t, shop, { title: 'Walnut desk lamp' });
    const buyer = await signUp(t, 'buyer');
    const { orders } = await buy(t, buyer, product.id);
    await orderReaches(t, buyer, orders[0]!.id, 'PAID');

    const first = await askAndFollow(t, buyer.token, { bot: 'support', message: 'hello' });
    const reply = await askFollowing(t, buyer.token, first.threadId, { message: 'Where is my order?' });
    expect(reply.end.kind).toBe('COMPLETE');
    const answer = reply.messages.at(-1)!;
    expect(answer).toMatchObject({ role: 'ASSISTANT', status: 'COMPLETE' });
    expect(answer.content).toContain('Walnut desk lamp');
    expect(answer.content).toContain('PAID');
    expect(answer.toolCalls.map((call) => call.name)).toEqual(['my_orders']);
    // What the tool answered is kept before the reply; the deltas, in order, make up the reply.
    expect(reply.messages.at(-2)).toMatchObject({ role: 'TOOL', content: expect.stringContaining('Walnut desk lamp') });
    const deltas = reply.events.filter((e) => e.kind === 'DELTA');
    expect(deltas.map((e) => e.index)).toEqual(deltas.map((_, i) => i));
    expect(deltas.length).toBeGreaterThan(3);
    expect(reply.text).toBe(answer.content);

    const stranger = await signUp(t, 'stranger');
    const theirs = await askAndFollow(t, stranger.token, { bot: 'support', message: 'has my package shipped?' });
    expect(theirs.messages.at(-1)!.content).toContain('You have no orders yet.');
    expect(theirs.messages.at(-1)!.content).not.toContain('Walnut');
  });

  it('support handles refunds and sign-in trouble by intent', async () => {
    const user = await signUp(t, 'support');
    const refund = await askAndFollow(t, user.token, { bot: 'support', message: 'I want my money back' });
    expect(refund.messages.at(-1)!.content).toMatch(/Request a return/);
    const login = await askAndFollow(t, user.token, { bot: 'support', message: "I can't log in to my account" });
    expect(login.messages.at(-1)!.content).toMatch(/Forgot password/);
    expect(login.messages.at(-1)!.toolCalls).toEqual([]);
  });

  it('labels clearly positive, negative and neutral texts, and finds entities and the language', async () => {
    const user = await signUp(t, 'analyst');
    const analysed = async (text: string) => (await ok(t.url, AnalyzeTextDocument, { text }, user.token)).analyzeText;
    const positive = await analysed('I love this course, the teacher is wonderful and it helped me a lot!');
    expect(positive.sentiment.label).toBe('POSITIVE');
    expect(positive.sentiment.score).toBeGreaterThan(0.5);
    expect(positive.language).toBe('en');
    const negative = await analysed('This is the worst seller ever, the item arrived broken and they ignored me.');
    expect(negative.sentiment.label).toBe('NEGATIVE');
    const neutral = await analysed('The package was shipped on Tuesday to ada@example.com.');
    expect(neutral.sentiment.label).toBe('NEUTRAL');
    expect(neutral.entities).toContainEqual({ text: 'ada@example.com', type: 'EMAIL' });
    expect(await codes(t.url, AnalyzeTextDocument, { text: 'hello' })).toEqual(['UNAUTHENTICATED']);
    expect(await codes(t.url, AnalyzeTextDocument, { text: 'a'.repeat(100_001) }, user.token)).toEqual([
      'BAD_USER_INPUT',
    ]);
  });

  it('answers a member who mentions it in a conversation, as its own account, never with the asker’s own things', async () => {
    const shop = await seller(t);
    const product = await listed(t, shop, { title: 'Linen apron' });
    const alice = await signUp(t, 'alice');
    const bob = await signUp(t, 'bob');
    const { orders } = await buy(t, alice, product.id);
    await orderReaches(t, alice, orders[0]!.id, 'PAID');
    const conversation = await chat.openDirect(alice, bob);
    await chat.send(alice, conversation.id, 'Bob, look at this.');
    await chat.send(alice, conversation.id, '@assistant search for a linen apron');

    const answers = async (count: number) =>
      waitFor(`${count} answers in the conversation`, async () => {
        const { messages } = await ok(
          t.url,
          AssistantChatMessagesDocument,
          { conversationId: conversation.id },
          bob.token,
        );
        const found = messages.edges.map((edge) => edge.node).filter((message) => message.kind === 'ASSISTANT');
        return found.length === count ? found : null;
      });
    const [answer] = await answers(1);
    expect(answer!.sender).toMatchObject({ username: 'assistant', displayName: 'PeerLink Assistant' });
    expect(answer!.body).toContain('Linen apron');

    // Bob sees every answer: Alice's orders are not the assistant's to tell there.
    await chat.send(bob, conversation.id, 'Thanks @alice, and assistant is great');
    await chat.send(alice, conversation.id, '@assistant where is my order?');
    const [latest] = await answers(2);
    expect(latest!.body).not.toContain('PAID');
    expect(latest!.body).not.toContain('Linen apron');
  });

  it('looks up the asker’s courses, files, unread messages and the catalogue with the general bot', async () => {
    const teacher = await instructor(t);
    const { course } = await publishedCourse(t, teacher, { title: 'Watercolour for beginners' });
    const shop = await seller(t);
    await listed(t, shop, { title: 'Sable paintbrush set' });
    const learner = await signUp(t, 'learner');
    const friend = await signUp(t, 'friend');
    await ok(t.url, EnrollDocument, { courseId: course.id }, learner.token);
    await upload(t.url, learner.token, 'sketchbook-scan.png', Buffer.from('not really a png'), {
      mimeType: 'image/png',
    });
    await upload(t.url, friend.token, 'friend-diary.txt', Buffer.from('private'));
    const conversation = await chat.openDirect(friend, learner);
    await chat.send(friend, conversation.id, 'Did you finish the first lesson?');

    const answer = async (message: string) => {
      const reply = await askAndFollow(t, learner.token, { bot: 'general', message });
      return reply.messages.at(-1)!;
    };
    const courses = await answer('How far am I in my courses?');
    expect(courses.toolCalls.map((call) => call.name)).toEqual(['my_course_progress']);
    expect(courses.content).toContain('Watercolour for beginners: 0% done');

    const files = await answer('Find the sketchbook file I uploaded');
    expect(files.toolCalls.map((call) => call.name)).toEqual(['find_my_files']);
    expect(files.content).toContain('sketchbook-scan.png');
    expect(files.content).not.toContain('friend-diary.txt');

    const unread = await answer('Do I have unread messages?');
    expect(unread.toolCalls.map((call) => call.name)).toEqual(['my_unread_conversations']);
    expect(unread.content).toMatch(/1 unread.*Did you finish the first lesson\?/s);

    const search = await answer('Search for a paintbrush');
    expect(search.toolCalls.map((call) => call.name)).toEqual(['search_catalog']);
    expect(search.content).toContain('Sable paintbrush set');
  });
});
