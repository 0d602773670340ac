import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import { ChatNotificationsDocument, UpdateNotificationPreferencesDocument } from './generated/graphql.js';
import { chatHelpers } from './support/chat.js';
import { ok } from './support/client.js';
import { member, notified, type Member } from './support/social.js';
import { startTestStack, type TestStack } from './support/stack.js';

// Emails are claimed per recipient beside the notifications, sent after commit with a deadline,
// and retried by the sweeper alone. Short settings: a mail server that holds its answers for
// longer than the redelivery wait (EVENT_ACK_WAIT_MS) is seen in seconds.
let t: TestStack;
let db: pg.Client;
const ACK_WAIT_MS = 1500;

beforeAll(async () => {
  t = await startTestStack({
    CHAT_MISSED_AFTER_SECONDS: '0.5',
    EVENT_ACK_WAIT_MS: String(ACK_WAIT_MS),
    OUTSIDE_CALL_DEADLINE_MS: '1000',
    OUTSIDE_CALL_SWEEP_MS: '200',
  });
  db = new pg.Client({ connectionString: t.databaseUrl });
  await db.connect();
});
afterAll(async () => {
  await db?.end();
  await t?.stop();
});

const { createGroup, send } = chatHelpers(() => t);
const MISSED = /^New message in /;

/** A group whose three other members, away, want missed messages by email too. */
async function groupOfEmailReaders(title: string) {
  const [owner, ...readers] = await Promise.all([
    member(t, 'mail'),
    member(t, 'mail'),
    member(t, 'mail'),
    member(t, 'mail'),
  ]);
  for (const reader of readers) {
    await ok(t.url, UpdateNotificationPreferencesDocument, { input: [{ kind: 'MESSAGE', email: true }] }, reader.token);
    // Notifications knows where to reach them once it has welcomed them.
    await notified(t, reader, /^Welcome to PeerLink/);
  }
  const group = await createGroup(owner, title, readers);
  return { owner, readers, group };
}

type Call = { key: string; state: string; attempts: number };

/** Each reader's missed-message email, as notifications recorded it (undefined while not claimed). */
async function missedEmails(readers: Member[]): Promise<(Call | undefined)[]> {
  const { rows } = await db.query<Call>(
    `select key, state, attempts from notifications.outside_calls where kind = 'email' and ` +
      `request->>'subject' like 'New message in %'`,
  );
  return readers.map((reader) => {
    const mine = rows.filter((row) => row.key.endsWith(`:${reader.id}`));
    expect(mine.length).toBeLessThanOrEqual(1);
    return mine[0];
  });
}

const notificationsOfMissed = async (reader: Member) =>
  (await ok(t.url, ChatNotificationsDocument, {}, reader.token)).notifications.edges.filter((e) =>
    MISSED.test(e.node.title),
  ).length;

describe('emails sent after commit, one per recipient', () => {
  it('retry only the recipient the mail server refused, and email nobody twice', async () => {
    const { owner, readers, group } = await groupOfEmailReaders('Refusals');
    const refused = readers[1]!;
    t.mailbox.refuseNextTo(refused.email);
    await send(owner, group.id, 'anyone there?');

    await waitFor(
      'every reader’s email to be sent and recorded',
      async () => (await missedEmails(readers)).every((call) => call?.state === 'done'),
      20_000,
    );
    expect(t.mailbox.refused).toEqual([refused.email]);
    for (const reader of readers) expect(t.mailbox.count(reader.email, MISSED)).toBe(1);
    // The refusal was retried by the sweeper, not by running the event again.
    const attempts = (await missedEmails(readers)).map((call) => call!.attempts);
    expect(attempts.filter((_, i) => readers[i] !== refused)).toEqual([1, 1]);
    expect(attempts[readers.indexOf(refused)]).toBeGreaterThan(1);
    expect(await t.stack.infrastructure.bus.deadLetters()).toEqual([]);
  });

  it('email each recipient once while the mail server holds its answers for longer than the redelivery wait', async () => {
    const { owner, readers, group } = await groupOfEmailReaders('Slow mail');
    const release = t.mailbox.hold();
    onTestFinished(release);
    const heldSince = Date.now();
    await send(owner, group.id, 'slow news');

    // The notifications were committed before any email was sent: they show while mail waits.
    await waitFor('every reader’s notification', async () =>
      (await Promise.all(readers.map(notificationsOfMissed))).every((n) => n === 1),
    );
    // Held past the redelivery wait: the sweeper has sent again, each send given up at its deadline.
    await waitFor(
      'the sweeper to send again past the redelivery wait',
      async () =>
        Date.now() - heldSince > 2 * ACK_WAIT_MS &&
        (await missedEmails(readers)).every((call) => call && call.attempts >= 2),
      20_000,
    );
    expect(readers.map((reader) => t.mailbox.count(reader.email, MISSED))).toEqual([0, 0, 0]);
    release();

    await waitFor(
      'every reader’s email to be recorded',
      async () => (await missedEmails(readers)).every((call) => call?.state === 'done'),
      20_000,
    );
    for (const reader of readers) {
      expect(t.mailbox.count(reader.email, MISSED)).toBe(1);
      expect(await notificationsOfMissed(reader)).toBe(1);
    }
    expect(await t.stack.infrastructure.bus.deadLetters()).toEqual([]);
  });
});
