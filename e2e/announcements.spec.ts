import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import pg from 'pg';
import type { AnnouncementService } from '@peerlink/notifications';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import { LoginDocument, SendAnnouncementDocument } from './generated/graphql.js';
import { codes, ok, request } from './support/client.js';
import { makeAdmin, signUp, startTestStack, type TestStack } from './support/stack.js';

/** Short leases and a quick sweep, so a stopped sender is taken over within seconds. */
let t: TestStack;
let db: pg.Client;
let adminToken: string;
let announcements: AnnouncementService;
beforeAll(async () => {
  t = await startTestStack({
    ANNOUNCEMENT_LEASE_MS: '1500',
    ANNOUNCEMENT_SWEEP_MS: '200',
    ANNOUNCEMENT_MAX_ATTEMPTS: '3',
  });
  db = new pg.Client({ connectionString: t.databaseUrl });
  await db.connect();
  const admin = await signUp(t, 'annadmin');
  await makeAdmin(t, admin.username);
  adminToken = (await ok(t.url, LoginDocument, { input: { login: admin.username, password: admin.password } })).login
    .accessToken;
  announcements = (
    t.stack.subgraphs.find((s) => s.name === 'notifications')!.services as { announcements: AnnouncementService }
  ).announcements;
  // Past two batches of 500, so a sender can stop between batches and a takeover has more to do.
  await db.query(
    `insert into notifications.recipients (user_id, display_name, email, last_event_id)
     select id, 'Extra ' || n, 'extra' || n || '-' || id || '@example.com', gen_random_uuid()
     from (select gen_random_uuid() as id, n from generate_series(1, 1100) n) made`,
  );
});
afterAll(async () => {
  await db?.end();
  await t?.stop();
});

/** Notifications per recipient of the announcement titled `title`, and how many recipients there are. */
async function delivered(title: string) {
  const { rows } = await db.query<{ made: number }>(
    'select count(*)::int as made from notifications.notifications where title = $1 group by recipient_id',
    [title],
  );
  const {
    rows: [all],
  } = await db.query<{ count: number }>('select count(*)::int as count from notifications.recipients');
  return { recipients: rows.length, everyOnce: rows.every((r) => r.made === 1), known: all!.count };
}

const announcementRow = async (title: string) =>
  (
    await db.query<{ state: string; notified: number; attempts: number; last_error: string | null }>(
      'select * from notifications.announcements where title = $1',
      [title],
    )
  ).rows;

describe('announcements are durable and idempotent', () => {
  it('announces once for a retried mutation with the same idempotency key, and answers the same', async () => {
    const title = `Idempotent ${Date.now()}`;
    const variables = { title, body: 'Once only.', idempotencyKey: `key-${title}` };
    const first = (await ok(t.url, SendAnnouncementDocument, variables, adminToken)).sendAnnouncement;
    const again = (await ok(t.url, SendAnnouncementDocument, variables, adminToken)).sendAnnouncement;
    expect(again).toBe(first);
    const { recipients, everyOnce, known } = await delivered(title);
    expect(recipients).toBe(first);
    expect(recipients).toBe(known);
    expect(everyOnce).toBe(true);
    expect(await announcementRow(title)).toMatchObject([{ state: 'SENT', notified: first }]);
    // The same key for another message is the client's mistake, not a second announcement.
    expect(await codes(t.url, SendAnnouncementDocument, { ...variables, body: 'Something else.' }, adminToken)).toEqual(
      ['CONFLICT'],
    );
  });

  it('resumes an announcement whose sender stopped after a batch: each recipient gets exactly one notification', async () => {
    const title = `Resumed ${Date.now()}`;
    const real = announcements.sendBatch.bind(announcements);
    let releaseStalled!: () => void;
    const stalled = new Promise<void>((resolve) => (releaseStalled = resolve));
    let stopped = false;
    // The mutation's sender commits one batch, then stops answering (a crash, to everyone else) until
    // the sweep has finished its announcement; then it wakes, and must find it no longer holds it.
    const spy = vi
      .spyOn(announcements, 'sendBatch')
      .mockImplementationOnce(real)
      .mockImplementationOnce(async (id, owner) => {
        stopped = true;
        await stalled;
        return real(id, owner);
      });
    try {
      const sending = request(
        t.url,
        SendAnnouncementDocument,
        { title, body: 'Back soon.', idempotencyKey: `key-${title}` },
        { token: adminToken },
      );
      await waitFor('the sender to stop after its first batch', () => stopped, 10_000);
      await waitFor(
        'the sweep to finish the announcement',
        async () => (await announcementRow(title))[0]?.state === 'SENT',
        15_000,
      );
      releaseStalled();
      const answer = await sending;
      expect(answer.errors).toBeUndefined();
      const { recipients, everyOnce, known } = await delivered(title);
      expect(everyOnce).toBe(true);
      expect(recipients).toBe(known);
      expect(answer.data?.sendAnnouncement).toBe(recipients);
      expect(await announcementRow(title)).toMatchObject([{ state: 'SENT', notified: recipients }]);
      // The stopped sender, awake again, wrote nothing more.
      expect((await delivered(title)).everyOnce).toBe(true);
    } finally {
      releaseStalled();
      spy.mockRestore();
    }
  });

  it('gives up on an announcement that keeps failing: FAILED after ANNOUNCEMENT_MAX_ATTEMPTS, and told so on a retry', async () => {
    const title = `Failing ${Date.now()}`;
    const spy = vi.spyOn(announcements, 'sendBatch').mockRejectedValue(new Error('the batch statement failed'));
    try {
      const variables = { title, body: 'Never sent.', idempotencyKey: `key-${title}` };
      expect(await codes(t.url, SendAnnouncementDocument, variables, adminToken)).toEqual(['INTERNAL_SERVER_ERROR']);
      await waitFor(
        'the announcement to be FAILED',
        async () => (await announcementRow(title))[0]?.state === 'FAILED',
        15_000,
      );
      expect(spy).toHaveBeenCalledTimes(3);
      expect(await announcementRow(title)).toMatchObject([
        { state: 'FAILED', notified: 0, last_error: 'the batch statement failed' },
      ]);
      expect(await codes(t.url, SendAnnouncementDocument, variables, adminToken)).toEqual(['CONFLICT']);
    } finally {
      spy.mockRestore();
    }
  });
});
