import { setTimeout as sleep } from 'node:timers/promises';
import type { EntityManager } from '@mikro-orm/postgresql';
import { requireRole } from '@peerlink/platform/auth/roles';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import type { Orm } from '@peerlink/platform/db/database';
import { rows, table } from '@peerlink/platform/db/sql';
import { AppError, badInput, conflict } from '@peerlink/platform/errors';
import type { Outbox } from '@peerlink/platform/events/outbox';
import { uuidv7 } from '@peerlink/platform/ids';
import type { Logger } from '@peerlink/platform/logger';
import { announceBatch } from './announcement.sql.js';
import type { NotificationsEvents } from '@peerlink/contracts/notifications';
import { line, prose, text } from '@peerlink/platform/text';

const ANNOUNCEMENT_TITLE = line('The title', 120);
const ANNOUNCEMENT_BODY = prose('The body', 2000);

export interface AnnouncementSettings {
  /** How long a sender holds an announcement without committing a batch before another may take it over. */
  leaseMs: number;
  /** How often announcements whose sender stopped are looked for. */
  sweepMs: number;
  /** Tries (the first send included) without a committed batch in between after which an announcement is FAILED. */
  maxAttempts: number;
}

type BatchOutcome = 'more' | 'done' | 'lost';

/** How long a repeated request waits for an announcement another sender is finishing. */
const WAIT_FOR_OUTCOME_MS = 8_000;

/**
 * An admin's message to every user, in-app only (mass email is a job for a mailing service), as a
 * durable job: the `announcements` row is written first, then recipients are notified 500 at a
 * time, each batch committed together with the position it reached, under a lease on the row. A
 * sender that crashes leaves the lease to lapse and the sweep resumes from the last committed batch;
 * one that keeps failing is FAILED after `maxAttempts` tries. The same idempotency key from the
 * same admin names the same announcement, so a retried mutation announces once and answers the same.
 */
export class AnnouncementService {
  private stopping = false;

  constructor(
    private readonly orm: Orm,
    private readonly outbox: Outbox<NotificationsEvents>,
    private readonly settings: AnnouncementSettings,
    private readonly logger: Logger,
  ) {}

  private get em() {
    return this.orm.em as EntityManager;
  }

  /** Returns how many were notified. Users who turned off in-app SYSTEM notifications are skipped. */
  async announce(
    viewer: Viewer,
    titleInput: string,
    bodyInput: string,
    idempotencyKey?: string | null,
  ): Promise<number> {
    requireRole(viewer, 'ADMIN', 'Only admins can send announcements.');
    const title = text(titleInput, 'title', ANNOUNCEMENT_TITLE);
    const body = text(bodyInput, 'body', ANNOUNCEMENT_BODY);
    if (idempotencyKey != null && (!idempotencyKey.trim() || idempotencyKey.length > 200))
      throw badInput('The idempotency key is 1 to 200 characters.', 'idempotencyKey');
    const owner = uuidv7();
    const [made] = await rows<{ id: string }>(
      this.em,
      `insert into ${table(this.em, 'announcements')} (id, actor_id, idempotency_key, title, body, state, attempts,
         lease_owner, lease_until)
       values (?, ?, ?, ?, ?, 'SENDING', 1, ?, now() + ?::int * interval '1 millisecond')
       on conflict (actor_id, idempotency_key) do nothing returning id`,
      [uuidv7(), viewer.userId, idempotencyKey ?? null, title, body, owner, this.settings.leaseMs],
    );
    if (made) {
      await this.send(made.id, owner);
      return this.outcome(made.id);
    }
    const [earlier] = await rows<{ id: string; title: string; body: string }>(
      this.em,
      `select id, title, body from ${table(this.em, 'announcements')} where actor_id = ? and idempotency_key = ?`,
      [viewer.userId, idempotencyKey],
    );
    if (!earlier) throw new Error('An announcement conflicted on its idempotency key, then was not found');
    if (earlier.title !== title || earlier.body !== body)
      throw conflict('This idempotency key was used for a different announcement.', 'idempotencyKey');
    return this.outcome(earlier.id);
  }

  /** For the sweep: resumes every announcement whose sender let its lease lapse, and fails those out of attempts. */
  async resume(): Promise<void> {
    await this.em.execute(
      `update ${table(this.em, 'announcements')} set state = 'FAILED', finished_at = now(), lease_owner = null
       where state = 'SENDING' and lease_until < now() and attempts >= ?`,
      [this.settings.maxAttempts],
    );
    while (!this.stopping) {
      const owner = uuidv7();
      const [claimed] = await rows<{ id: string }>(
        this.em,
        `update ${table(this.em, 'announcements')} set lease_owner = ?, lease_until = now() + ?::int * interval
           '1 millisecond', attempts = attempts + 1
         where id = (select id from ${table(this.em, 'announcements')}
                     where state = 'SENDING' and lease_until < now() and attempts < ? order by created_at limit 1 for
                       update skip locked)
         returning id`,
        [owner, this.settings.leaseMs, this.settings.maxAttempts],
      );
      if (!claimed) return;
      this.logger.info({ announcementId: claimed.id }, 'resuming an announcement whose sender stopped');
      await this.send(claimed.id, owner).catch(() => undefined);
    }
  }

  /** Between batches a stopping process lets go of its announcements, for another to take over at once. */
  stop() {
    this.stopping = true;
  }

  /**
   * Sends batches while this owner holds the lease. A failure is recorded and the lease set to lapse
   * after a pause that grows with the attempts, so the sweep retries it, not at once.
   */
  private async send(id: string, owner: string): Promise<void> {
    try {
      let outcome: BatchOutcome = 'more';
      while (outcome === 'more' && !this.stopping) outcome = await this.sendBatch(id, owner);
      if (outcome === 'more') await this.release(id, owner, null, 0);
      // The statements wrote their events straight into the outbox table: the relay reads them from
      // there. Once, at the end: relaying beside the writes made both slower (548 against 232 ms for
      // 2,000); in a long announcement the poll relays committed batches meanwhile.
      if (outcome === 'done') void this.outbox.flush();
    } catch (error) {
      this.logger.warn({ err: error, announcementId: id }, 'an announcement batch failed; the sweep will retry it');
      await this.release(id, owner, String((error as Error)?.message ?? error), this.settings.sweepMs).catch(
        () => undefined,
      );
      throw error;
    }
  }

  /**
   * One batch, committed with the position it reached, under the announcement's row lock: a sender
   * that lost its lease finds another owner on the row and stops, and two never write one batch.
   */
  sendBatch(id: string, owner: string): Promise<BatchOutcome> {
    return this.outbox.transaction(async (em) => {
      const [row] = await rows<{ title: string; body: string; actor_id: string; last_recipient_id: string | null }>(
        em,
        `select title, body, actor_id, last_recipient_id from ${table(em, 'announcements')} where id = ? and ` +
          `state = 'SENDING' and lease_owner = ? for update`,
        [id, owner],
      );
      if (!row) return 'lost';
      const batch = await announceBatch(
        em,
        { id, title: row.title, body: row.body, actorId: row.actor_id },
        row.last_recipient_id,
      );
      await em.execute(
        `update ${table(em, 'announcements')} set last_recipient_id = coalesce(?, last_recipient_id), notified =
             notified + ?, attempts = 0,
           lease_until = now() + ?::int * interval '1 millisecond', state = ?, finished_at = case when ?::boolean then
             now() end
         where id = ?`,
        [batch.last, batch.notified, this.settings.leaseMs, batch.done ? 'SENT' : 'SENDING', batch.done, id],
      );
      return batch.done ? 'done' : 'more';
    });
  }

  private release(id: string, owner: string, error: string | null, afterMs: number) {
    return this.em.execute(
      `update ${table(this.em, 'announcements')} set lease_until = now() + ?::int * interval '1 millisecond' * attempts,
         last_error = coalesce(?, last_error)
       where id = ? and lease_owner = ? and state = 'SENDING'`,
      [afterMs, error, id, owner],
    );
  }

  /** How many the announcement notified, once sent; waits a while for another sender to finish it. */
  private async outcome(id: string): Promise<number> {
    const deadline = Date.now() + WAIT_FOR_OUTCOME_MS;
    for (;;) {
      const [row] = await rows<{ state: string; notified: number; attempts: number }>(
        this.em,
        `select state, notified, attempts from ${table(this.em, 'announcements')} where id = ?`,
        [id],
      );
      if (row?.state === 'SENT') return row.notified;
      if (row?.state === 'FAILED')
        throw conflict(
          `This announcement failed after ${row.attempts} attempts (${row.notified} notified); send it again ` +
            `with a new idempotency key.`,
        );
      // Shutting down, this process will not finish it: another one will, after the lease.
      if (Date.now() > deadline || this.stopping)
        throw new AppError(
          'SERVICE_UNAVAILABLE',
          'The announcement is still being sent; ask again with the same idempotency key.',
        );
      await sleep(Math.min(250, this.settings.sweepMs));
    }
  }
}
