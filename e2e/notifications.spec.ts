import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import pg from 'pg';
import {
  ChangePasswordDocument,
  DeadLettersDocument,
  LoginDocument,
  MarkAllNotificationsReadDocument,
  MarkNotificationsReadDocument,
  NotificationAddedDocument,
  NotificationDocument,
  NotificationPreferencesDocument,
  NotificationsDocument,
  ReplayDeadLetterDocument,
  RequestPasswordResetDocument,
  SendAnnouncementDocument,
  UpdateNotificationPreferencesDocument,
} from './generated/graphql.js';
import { codes, ok, request, Subscription, wsClient } from './support/client.js';
import { makeAdmin, services, signUp as signUpAt, startTestStack, type TestStack } from './support/stack.js';
import { waitFor } from '@peerlink/platform/testing/wait-for';

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
});
afterAll(async () => {
  await t?.stop();
});

const signUp = (prefix = 'note') => signUpAt(t, prefix);

async function inbox(token: string, variables: { first?: number; after?: string; unreadOnly?: boolean } = {}) {
  return ok(t.url, NotificationsDocument, variables, token);
}

/** Waits until the user's inbox holds a notification whose title matches. */
async function notificationTitled(token: string, title: RegExp) {
  return waitFor(`a notification titled ${title}`, async () =>
    (await inbox(token)).notifications.edges.map((e) => e.node).find((n) => title.test(n.title)),
  );
}

const loginFrom = (login: string, password: string, userAgent: string) =>
  request(t.url, LoginDocument, { input: { login, password } }, { headers: { 'user-agent': userAgent } });

describe('notifications from identity events', () => {
  it('welcomes a new user in the app and emails a verification link', async () => {
    const user = await signUp();
    const welcome = await notificationTitled(user.token, /^Welcome to PeerLink/);
    expect(welcome.kind).toBe('WELCOME');
    expect((await inbox(user.token)).unreadNotificationCount).toBe(1);
    await t.mailbox.waitFor(user.email, /Confirm your email address/);
  });

  it('tells the user about a sign-in from a new device, not from a known one', async () => {
    const user = await signUp();
    await loginFrom(user.username, user.password, 'TestBrowser/1.0');
    const alert = await notificationTitled(user.token, /New sign-in/);
    expect(alert.kind).toBe('SECURITY');
    expect(alert.body).toContain('TestBrowser/1.0');
    expect(alert.actor?.username).toBe(user.username);

    await loginFrom(user.username, user.password, 'TestBrowser/1.0');
    await loginFrom(user.username, user.password, 'OtherBrowser/2.0');
    await notificationTitled(user.token, /New sign-in/);
    await waitFor('the second device alert', async () =>
      (await inbox(user.token)).notifications.edges.some((e) => e.node.body.includes('OtherBrowser/2.0')),
    );
    const alerts = (await inbox(user.token)).notifications.edges.filter((e) => /New sign-in/.test(e.node.title));
    expect(alerts).toHaveLength(2);
  });

  it('sends a security notification and email when the password changes', async () => {
    const user = await signUp();
    await ok(
      t.url,
      ChangePasswordDocument,
      { currentPassword: user.password, newPassword: 'a different passphrase 9' },
      user.token,
    );
    const changed = await notificationTitled(user.token, /password was changed/);
    expect(changed.actor?.displayName).toBe(user.displayName);
    await t.mailbox.waitFor(user.email, /password was changed/);
  });

  it('emails a password reset link', async () => {
    const user = await signUp();
    expect((await ok(t.url, RequestPasswordResetDocument, { email: user.email })).requestPasswordReset).toBe(true);
    const mail = await t.mailbox.waitFor(user.email, /Reset your PeerLink password/);
    expect(mail.text).toMatch(/\/reset-password\?token=/);
  });
});

describe('the inbox', () => {
  it('pages newest first with stable cursors', async () => {
    const user = await signUp('page');
    for (const agent of ['A/1', 'B/1', 'C/1']) await loginFrom(user.username, user.password, agent);
    await waitFor('four notifications', async () => (await inbox(user.token)).notifications.edges.length === 4);

    const first = await inbox(user.token, { first: 2 });
    expect(first.notifications.pageInfo.hasNextPage).toBe(true);
    const second = await inbox(user.token, { first: 2, after: first.notifications.pageInfo.endCursor! });
    expect(second.notifications.pageInfo.hasNextPage).toBe(false);
    const all = (await inbox(user.token, { first: 10 })).notifications.edges.map((e) => e.node.id);
    expect([...first.notifications.edges, ...second.notifications.edges].map((e) => e.node.id)).toEqual(all);
    expect(all.at(-1)).toBe((await notificationTitled(user.token, /^Welcome/)).id);
  });

  it("marks notifications read, only the reader's own", async () => {
    const owner = await signUp();
    const stranger = await signUp();
    const welcome = await notificationTitled(owner.token, /^Welcome/);

    expect(
      (await ok(t.url, MarkNotificationsReadDocument, { ids: [welcome.id] }, stranger.token)).markNotificationsRead,
    ).toBe(0);
    expect(
      (await ok(t.url, MarkNotificationsReadDocument, { ids: [welcome.id] }, owner.token)).markNotificationsRead,
    ).toBe(1);
    expect(
      (await ok(t.url, MarkNotificationsReadDocument, { ids: [welcome.id] }, owner.token)).markNotificationsRead,
    ).toBe(0);
    expect((await inbox(owner.token, { unreadOnly: true })).notifications.edges).toHaveLength(0);

    await loginFrom(owner.username, owner.password, 'Another/1');
    await notificationTitled(owner.token, /New sign-in/);
    expect((await ok(t.url, MarkAllNotificationsReadDocument, {}, owner.token)).markAllNotificationsRead).toBe(1);
    expect((await inbox(owner.token)).unreadNotificationCount).toBe(0);
  });

  it("hides one user's notification from another and rejects bad input", async () => {
    const owner = await signUp();
    const stranger = await signUp();
    const welcome = await notificationTitled(owner.token, /^Welcome/);
    expect((await ok(t.url, NotificationDocument, { id: welcome.id }, owner.token)).notification.id).toBe(welcome.id);
    expect(await codes(t.url, NotificationDocument, { id: welcome.id }, stranger.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, NotificationDocument, { id: 'not-an-id' }, owner.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, NotificationsDocument, {})).toContain('UNAUTHENTICATED');
    expect(await codes(t.url, NotificationsDocument, { first: 0 }, owner.token)).toEqual(['BAD_USER_INPUT']);
    expect(await codes(t.url, NotificationsDocument, { after: 'garbage' }, owner.token)).toEqual(['BAD_USER_INPUT']);
    expect(await codes(t.url, MarkNotificationsReadDocument, { ids: ['nope'] }, owner.token)).toEqual([
      'BAD_USER_INPUT',
    ]);
  });
});

describe('preferences', () => {
  it('starts from defaults and stops security emails when turned off', async () => {
    const user = await signUp('pref');
    const defaults = (await ok(t.url, NotificationPreferencesDocument, {}, user.token)).notificationPreferences;
    expect(defaults.find((p) => p.kind === 'SECURITY')).toEqual({
      kind: 'SECURITY',
      inApp: true,
      email: true,
      sms: false,
    });

    const updated = await ok(
      t.url,
      UpdateNotificationPreferencesDocument,
      { input: [{ kind: 'SECURITY', email: false }] },
      user.token,
    );
    expect(updated.updateNotificationPreferences.find((p) => p.kind === 'SECURITY')?.email).toBe(false);

    await ok(
      t.url,
      ChangePasswordDocument,
      { currentPassword: user.password, newPassword: 'quiet passphrase 123' },
      user.token,
    );
    // An email is claimed in the transaction that makes the in-app notification (and sent after
    // it commits): once the notification is visible, any email for it would be claimed.
    await notificationTitled(user.token, /password was changed/);
    const db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query(
        `select key from notifications.outside_calls where kind = 'email' and key like $1 and ` +
          `request->>'subject' like '%password was changed'`,
        [`%:${user.id}`],
      );
      expect(rows).toEqual([]);
    } finally {
      await db.end();
    }
    expect(t.mailbox.count(user.email, /password was changed/)).toBe(0);
  });

  it('rejects a kind listed twice and anonymous callers', async () => {
    const user = await signUp('pref');
    const twice = {
      input: [
        { kind: 'SECURITY' as const, email: false },
        { kind: 'SECURITY' as const, sms: true },
      ],
    };
    expect(await codes(t.url, UpdateNotificationPreferencesDocument, twice, user.token)).toEqual(['BAD_USER_INPUT']);
    expect(await codes(t.url, NotificationPreferencesDocument, {})).toEqual(['UNAUTHENTICATED']);
  });
});

describe('announcements', () => {
  it('lets an admin notify everyone, and nobody else', async () => {
    const admin = await signUp('admin');
    const reader = await signUp('reader');
    expect(await codes(t.url, SendAnnouncementDocument, { title: 'Hi', body: 'there' }, reader.token)).toEqual([
      'FORBIDDEN',
    ]);

    await makeAdmin(t, admin.username);
    const adminToken = (await ok(t.url, LoginDocument, { input: { login: admin.username, password: admin.password } }))
      .login.accessToken;
    expect(await codes(t.url, SendAnnouncementDocument, { title: ' ', body: 'x' }, adminToken)).toEqual([
      'BAD_USER_INPUT',
    ]);
    await waitFor(
      'both users to be known to notifications',
      async () => (await inbox(reader.token)).notifications.edges.length > 0,
    );
    const sent = (
      await ok(t.url, SendAnnouncementDocument, { title: 'Maintenance tonight', body: 'Back soon.' }, adminToken)
    ).sendAnnouncement;
    expect(sent).toBeGreaterThanOrEqual(2);
    const note = await notificationTitled(reader.token, /Maintenance tonight/);
    expect(note.kind).toBe('SYSTEM');
    expect(note.actor?.username).toBe(admin.username);
  });
});

describe('an announcement to many users', () => {
  /** Recipients notifications knows of without accounts behind them: 300 sign-ups would take minutes. */
  async function extraRecipients(db: pg.Client, count: number) {
    const { rows } = await db.query<{ user_id: string }>(
      `insert into notifications.recipients (user_id, display_name, email, last_event_id)
       select id, 'Extra ' || n, 'extra' || n || '-' || id || '@example.com', gen_random_uuid()
       from (select gen_random_uuid() as id, n from generate_series(1, $1::int) n) made returning user_id`,
      [count],
    );
    return rows.map((r) => r.user_id);
  }

  it('gives each recipient one notification and one live event, written set-based in bounded batches', async () => {
    const admin = await signUp('bulkadmin');
    await makeAdmin(t, admin.username);
    const adminToken = (await ok(t.url, LoginDocument, { input: { login: admin.username, password: admin.password } }))
      .login.accessToken;
    const subscribers = await Promise.all([signUp('bulksub'), signUp('bulksub'), signUp('bulksub')]);
    const optedOut = await signUp('bulkquiet');
    for (const user of [...subscribers, optedOut]) await notificationTitled(user.token, /^Welcome to PeerLink/);
    await ok(
      t.url,
      UpdateNotificationPreferencesDocument,
      { input: [{ kind: 'SYSTEM', inApp: false }] },
      optedOut.token,
    );

    const db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
    const clients = [...subscribers, optedOut].map((user) => ({ user, client: wsClient(t.url, user.token) }));
    try {
      // Past two batches of 500, so the batch boundary and the last, short batch are both crossed.
      const extra = await extraRecipients(db, 1_100);
      const live = clients.map(({ user, client }) => ({
        user,
        subscription: new Subscription(client, NotificationAddedDocument),
      }));
      await waitFor('every subscription to be live', () =>
        clients.every(({ user }) => t.stack.gateway.live.subscriptionsOf(user.id) === 1),
      );

      const notifications = t.stack.subgraphs.find((s) => s.name === 'notifications')!;
      const spy = vi.spyOn(notifications.orm.em.getConnection(), 'execute');
      const title = `Scheduled maintenance ${Date.now()}`;
      let sent: number;
      let statements: [string, unknown[]][];
      try {
        sent = (await ok(t.url, SendAnnouncementDocument, { title, body: 'Back in an hour.' }, adminToken))
          .sendAnnouncement;
        statements = spy.mock.calls.map(([sql, params]) => [String(sql), (params ?? []) as unknown[]]);
      } finally {
        spy.mockRestore();
      }

      const { rows: perRecipient } = await db.query<{ recipient_id: string; made: number }>(
        'select recipient_id, count(*)::int as made from notifications.notifications where title = $1 group ' +
          'by recipient_id',
        [title],
      );
      const made = new Map(perRecipient.map((r) => [r.recipient_id, r.made]));
      expect(sent).toBe(perRecipient.length);
      expect(perRecipient.every((r) => r.made === 1)).toBe(true);
      expect(extra.every((id) => made.get(id) === 1)).toBe(true);
      expect(subscribers.every((user) => made.get(user.id) === 1)).toBe(true);
      expect(made.has(optedOut.id)).toBe(false);

      // Set-based: one statement per batch of 500 recipients, none carrying rows from this process.
      const batches = statements.filter(([sql]) => /recipients/.test(sql));
      expect(batches).toHaveLength(Math.floor(sent / 500) + 1);
      const largest = Math.max(...statements.map(([, params]) => params.length));
      expect(largest).toBeLessThanOrEqual(10);

      const heard = live.slice(0, subscribers.length);
      const quiet = live.at(-1)!;
      const announced = (subscription: Subscription<unknown>) =>
        subscription.results.filter(
          (r) => (r.data as { notificationAdded?: { title: string } } | undefined)?.notificationAdded?.title === title,
        );
      await waitFor("the announcement on every subscriber's socket", () =>
        heard.every(({ subscription }) => announced(subscription).length > 0),
      );
      // Everything relayed, then one more event each behind it: a duplicate would have arrived by now.
      await waitFor(
        'the outbox to be empty',
        async () => (await db.query('select 1 from notifications.outbox limit 1')).rowCount === 0,
      );
      await Promise.all(
        [...heard, quiet].map(({ user }) =>
          ok(
            t.url,
            ChangePasswordDocument,
            { currentPassword: user.password, newPassword: 'a later passphrase 51' },
            user.token,
          ),
        ),
      );
      await waitFor('the later notification on every socket', () =>
        [...heard, quiet].every(({ subscription }) =>
          subscription.results.some(
            (r) => (r.data as { notificationAdded?: { kind: string } })?.notificationAdded?.kind === 'SECURITY',
          ),
        ),
      );
      for (const { subscription } of heard) {
        expect(announced(subscription)).toHaveLength(1);
        expect(announced(subscription)[0]!.errors).toBeUndefined();
        expect(announced(subscription)[0]!.data).toMatchObject({
          notificationAdded: { kind: 'SYSTEM', actor: { username: admin.username } },
        });
      }
      expect(announced(quiet.subscription)).toHaveLength(0);
      const note = await notificationTitled(subscribers[0]!.token, new RegExp(title));
      expect(note.kind).toBe('SYSTEM');
    } finally {
      await Promise.all(clients.map(({ client }) => client.dispose()));
      await db.end();
    }
  });
});

describe('delivery guarantees', () => {
  it('turns the same event delivered twice into one notification', async () => {
    const user = await signUp('dup');
    const nc = await connect({ servers: services.nats });
    const event = {
      id: '01900000-0000-7000-8000-' + Date.now().toString(16).padStart(12, '0').slice(-12),
      name: 'identity.password.changed',
      occurredAt: new Date().toISOString(),
      payload: { userId: user.id, reason: 'changed' },
    };
    // The replay subject bypasses JetStream's publish de-duplication, so only the inbox can stop the second one.
    for (let i = 0; i < 2; i++)
      nc.publish(`${t.namespace}.replay.notifications.identity.password.changed`, JSON.stringify(event));
    await nc.drain();
    await notificationTitled(user.token, /password was changed/);
    await loginFrom(user.username, user.password, 'Marker/1');
    await notificationTitled(user.token, /New sign-in/);
    const changes = (await inbox(user.token)).notifications.edges.filter((e) =>
      /password was changed/.test(e.node.title),
    );
    expect(changes).toHaveLength(1);
  });

  it('dead-letters an event that keeps failing and delivers it on replay', async () => {
    const admin = await signUp('ops');
    await makeAdmin(t, admin.username);
    const adminToken = (await ok(t.url, LoginDocument, { input: { login: admin.username, password: admin.password } }))
      .login.accessToken;
    const user = await signUp('dead');
    await t.mailbox.waitFor(user.email, /Confirm your email address/);

    // Mail no longer fails a handler (it is sent after commit): a trigger refusing this user's
    // notifications does, as a broken table or a constraint would.
    const db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
    await db.query(
      `create function notifications.refuse_for_test() returns trigger language plpgsql as $$ begin raise ` +
        `exception 'refused for the test'; end $$`,
    );
    await db.query(
      `create trigger refuse_for_test before insert on notifications.notifications for each row when ` +
        `(new.recipient_id = '${user.id}') execute function notifications.refuse_for_test()`,
    );
    const stopRefusing = () => db.query(`drop function if exists notifications.refuse_for_test() cascade`);
    try {
      await ok(
        t.url,
        ChangePasswordDocument,
        { currentPassword: user.password, newPassword: 'failing passphrase 77' },
        user.token,
      );
      const letter = await waitFor('the dead letter', async () =>
        (await ok(t.url, DeadLettersDocument, {}, adminToken)).deadLetters.find(
          (d) => d.eventName === 'identity.password.changed' && JSON.parse(d.payload).userId === user.id,
        ),
      );
      expect(letter).toMatchObject({ consumer: 'notifications', eventName: 'identity.password.changed', attempts: 5 });
      expect(letter.error).toMatch(/refused for the test/);
      // Nothing half-done: the failed handler left no notification behind, and claimed no email.
      expect((await inbox(user.token)).notifications.edges.some((e) => /password was changed/.test(e.node.title))).toBe(
        false,
      );
      expect(t.mailbox.count(user.email, /password was changed/)).toBe(0);
      expect(await codes(t.url, DeadLettersDocument, {}, user.token)).toEqual(['FORBIDDEN']);

      await stopRefusing();
      expect((await ok(t.url, ReplayDeadLetterDocument, { id: letter.id }, adminToken)).replayDeadLetter).toBe(true);
      await notificationTitled(user.token, /password was changed/);
      await t.mailbox.waitFor(user.email, /password was changed/);
      const remaining = (await ok(t.url, DeadLettersDocument, {}, adminToken)).deadLetters;
      expect(remaining.some((d) => d.id === letter.id)).toBe(false);
    } finally {
      await stopRefusing();
      await db.end();
    }
  });

  it('pages dead letters for admins, refuses a page it cannot give, and says so when the bus cannot be read', async () => {
    const admin = await signUp('pager');
    await makeAdmin(t, admin.username);
    const adminToken = (await ok(t.url, LoginDocument, { input: { login: admin.username, password: admin.password } }))
      .login.accessToken;
    expect((await ok(t.url, DeadLettersDocument, { first: 1, after: '1' }, adminToken)).deadLetters).toEqual([]);
    for (const variables of [{ first: 0 }, { first: 101 }, { after: 'not an id' }]) {
      expect(await codes(t.url, DeadLettersDocument, variables, adminToken)).toEqual(['BAD_USER_INPUT']);
    }

    // The dead-letter stream gone (NATS lost it, or cannot answer): an error, not an empty list.
    const nc = await connect({ servers: services.nats });
    const streams = (await jetstreamManager(nc)).streams;
    const stream = `${t.namespace.toUpperCase()}_DEAD_LETTERS`;
    const { config } = await streams.info(stream);
    await streams.delete(stream);
    try {
      expect(await codes(t.url, DeadLettersDocument, {}, adminToken)).toEqual(['SERVICE_UNAVAILABLE']);
    } finally {
      await streams.add(config);
      await nc.drain();
    }
    expect((await ok(t.url, DeadLettersDocument, {}, adminToken)).deadLetters).toEqual([]);
  });
});
