import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddCommentDocument,
  CheckoutDocument,
  CreateGroupDocument,
  CreatePostDocument,
  CreateProductDocument,
  ProductsDocument,
  SendMessageDocument,
  UpdateProfileDocument,
} from './generated/graphql.js';
import { request } from './support/client.js';
import { ADDRESS, seller } from './support/marketplace.js';
import { member, post } from './support/social.js';
import { signUp, startTestStack, type TestStack } from './support/stack.js';

// Text that is not text (NUL and other control characters, half of a UTF-16 pair) is refused
// in one place for every subgraph: BAD_USER_INPUT naming the argument, never an internal error,
// and nothing of it in the log.
let t: TestStack;
beforeAll(async () => {
  t = await startTestStack({}, { captureLogs: true });
});
afterAll(() => t?.stop());

const MARK = `mark${randomUUID().slice(0, 8)}`;
const NOT_TEXT = { nul: `${MARK}\u0000x`, bell: `${MARK}\u0007x`, halfPair: `${MARK}\uD83Dx` };

describe('text that is not text', () => {
  it('is BAD_USER_INPUT in every subgraph, named where it was, and never logged', async () => {
    const [author, buyer, friend] = await Promise.all([member(t, 'txt'), signUp(t, 'buyer'), signUp(t, 'friend')]);
    const owner = await seller(t);
    const written = await post(t, author, 'A fine post');
    for (const [why, text] of Object.entries(NOT_TEXT)) {
      const attempts = [
        request(t.url, CreatePostDocument, { input: { body: text } }, { token: author.token }),
        request(t.url, AddCommentDocument, { postId: written.id, body: text }, { token: author.token }),
        request(t.url, CreateGroupDocument, { title: text, memberIds: [friend.id] }, { token: buyer.token }),
        request(
          t.url,
          CreateProductDocument,
          { input: { title: text, kind: 'DIGITAL', priceAmount: 100, currency: 'EUR' } } as never,
          { token: owner.token },
        ),
        request(t.url, ProductsDocument, { filter: { search: text } }),
        request(
          t.url,
          CheckoutDocument,
          { input: { idempotencyKey: text, paymentMethodId: 'pm_card_visa', shippingAddress: ADDRESS } },
          { token: buyer.token },
        ),
        request(
          t.url,
          SendMessageDocument,
          { input: { conversationId: randomUUID(), body: 'hi', clientMessageId: text } },
          { token: buyer.token },
        ),
      ];
      for (const [i, result] of (await Promise.all(attempts)).entries()) {
        expect(
          result.errors?.map((e) => [e.extensions?.code, e.message]),
          `${why}, attempt ${i}`,
        ).toEqual([
          [
            'BAD_USER_INPUT',
            expect.stringMatching(/^\$\S+ holds (a control character|half of a Unicode character); text may not\.$/),
          ],
        ]);
      }
    }
    // Inline in the document rather than in variables: refused the same way.
    const inline = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${author.token}` },
      body: JSON.stringify({
        query: `mutation { createPost(input: { body: ${JSON.stringify(NOT_TEXT.nul)} }) { id } }`,
      }),
    });
    const body = (await inline.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors.map((e) => [e.extensions.code, e.message])).toEqual([
      ['BAD_USER_INPUT', 'input.body holds a control character; text may not.'],
    ]);
    expect(t.logs.filter((line) => JSON.stringify(line).includes(MARK))).toEqual([]);
  });

  it('keeps tabs, line breaks, emoji and every script as they are', async () => {
    const author = await member(t, 'txt');
    const text = 'Line one\n\tLine two\r\n😀 Ünïcödé 日本語 עברית';
    const result = await request(t.url, CreatePostDocument, { input: { body: text } }, { token: author.token });
    expect(result.errors).toBeUndefined();
    expect(result.data?.createPost!.body).toBe(text);
  });
});

// Names and titles are lines people read as a whole: the rules each field follows live in one place
// (platform/src/text.ts), so every subgraph counts and refuses the same way.
describe('names and titles', () => {
  const REORDERED = 'invoice\u202Egnp.exe';

  it('refuses characters that reorder a name or title, in every subgraph', async () => {
    const [buyer, friend] = await Promise.all([signUp(t, 'bidi'), signUp(t, 'friend')]);
    const owner = await seller(t);
    const attempts = await Promise.all([
      request(t.url, UpdateProfileDocument, { input: { displayName: REORDERED } }, { token: buyer.token }),
      request(t.url, CreateGroupDocument, { title: REORDERED, memberIds: [friend.id] }, { token: buyer.token }),
      request(
        t.url,
        CreateProductDocument,
        { input: { title: REORDERED, kind: 'DIGITAL', priceAmount: 100, currency: 'EUR' } } as never,
        { token: owner.token },
      ),
    ]);
    for (const [i, result] of attempts.entries()) {
      expect(
        result.errors?.map((e) => [e.extensions?.code, e.message]),
        `attempt ${i}`,
      ).toEqual([
        ['BAD_USER_INPUT', expect.stringMatching(/ may not hold characters that reorder the text around them\.$/)],
      ]);
    }
  });

  it('counts characters as people do: a 100-emoji group title fits its 100-character limit, and tidies spaces', async () => {
    const [buyer, friend] = await Promise.all([signUp(t, 'emoji'), signUp(t, 'friend')]);
    const fits = await request(
      t.url,
      CreateGroupDocument,
      { title: '🎉'.repeat(100), memberIds: [friend.id] },
      { token: buyer.token },
    );
    expect(fits.errors).toBeUndefined();
    expect(fits.data?.createGroup!.title).toBe('🎉'.repeat(100));
    const tooLong = await request(
      t.url,
      CreateGroupDocument,
      { title: '🎉'.repeat(101), memberIds: [friend.id] },
      { token: buyer.token },
    );
    expect(tooLong.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([
      ['BAD_USER_INPUT', 'A group title is at most 100 characters.'],
    ]);
    const tidied = await request(
      t.url,
      UpdateProfileDocument,
      { input: { displayName: '  Ada \n  Lovelace ' } },
      { token: buyer.token },
    );
    expect(tidied.data?.updateProfile!.displayName).toBe('Ada Lovelace');
  });
});
