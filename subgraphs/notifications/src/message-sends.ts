import type { EntityManager } from '@mikro-orm/postgresql';
import type { AfterCommit, OutsideCall, OutsideCalls } from '@peerlink/platform/outside-call';
import type { Mailer } from '@peerlink/platform/mail/mailer';
import type { SmsSender } from '@peerlink/platform/sms/sms-sender';
import type { NotificationsEvents } from '@peerlink/contracts/notifications';

/**
 * One email or text message as claimed: everything a retry needs, the words and the address (for
 * a verification, its token) included. That is why the row is kept only until retention prunes it
 * (OUTSIDE_CALL_RETENTION_DAYS), and why neither is ever logged: keys name the event and recipient.
 */
export interface EmailSend {
  to: string;
  subject: string;
  text: string;
  /** A message worth nothing after this (a verification link) is not sent late by a retry. */
  expiresAt?: string;
}

export interface TextSend {
  to: string;
  text: string;
  expiresAt?: string;
}

/** A message to claim, named by `id` (`<eventId>:<recipientId>`, or what else its event makes unique). */
export type MessageSend = { id: string; email: EmailSend } | { id: string; sms: TextSend };

/** What the row keeps: sent, refused for good by the mail server (its code), or too late to send. */
type Sent = { sent: true } | { refused: number } | { expired: true };

/** Sends at once after one commit: a few, so a slow mail server costs a deadline, not one per recipient. */
const SENDS_AT_ONCE = 8;

/**
 * Email and SMS as outside calls (platform/src/outside-call.ts): each message is claimed in the
 * transaction that decides it, under a key stable across redeliveries of its event, and sent after
 * commit with a deadline. A failed send is retried by the sweeper alone, for that message alone;
 * after OUTSIDE_CALL_MAX_ATTEMPTS it is given up (the sweeper logs it by key).
 */
export class MessageSends {
  private readonly emails: OutsideCall<EmailSend>;
  private readonly texts: OutsideCall<TextSend>;

  constructor(calls: OutsideCalls<NotificationsEvents>, mailer: Mailer, sms: SmsSender) {
    this.emails = calls.kind<EmailSend, Sent>('email', {
      call: (message, signal) =>
        unlessExpired(message, () =>
          mailer
            .send({ to: message.to, subject: message.subject, text: message.text }, signal)
            .then(sent, refusedForGood),
        ),
      record: async (_em, _publish, _message, answer) => answer,
    });
    this.texts = calls.kind<TextSend, Sent>('sms', {
      call: (message, signal) => unlessExpired(message, () => sms.send(message.to, message.text, signal).then(sent)),
      record: async (_em, _publish, _message, answer) => answer,
    });
  }

  /**
   * Claims each message in `em`'s transaction (`<kind>:<id>`; one claimed before, by an earlier
   * delivery of the same event, is not claimed again) and sends those claimed after commit.
   */
  async claim(em: EntityManager, afterCommit: AfterCommit, messages: MessageSend[]): Promise<void> {
    const claimed: (() => Promise<unknown>)[] = [];
    for (const message of messages) {
      const send =
        'email' in message
          ? await claimOne(em, this.emails, message.id, message.email)
          : await claimOne(em, this.texts, message.id, message.sms);
      if (send) claimed.push(send);
    }
    if (claimed.length) afterCommit(() => inGroups(claimed, SENDS_AT_ONCE));
  }
}

/** The send to run after commit, or null when an earlier delivery of the event claimed it. */
async function claimOne<Request>(em: EntityManager, kind: OutsideCall<Request>, id: string, request: Request) {
  return (await kind.claim(em, id, request)) ? () => kind.run(id) : null;
}

const sent = (): Sent => ({ sent: true });

/**
 * A permanent SMTP refusal (5xx: no such mailbox) is an answer, recorded and not asked again;
 * anything else (a 4xx "try later", no answer, the deadline) leaves the message for the sweeper.
 */
function refusedForGood(err: unknown): Sent {
  const code = (err as { responseCode?: unknown })?.responseCode;
  if (typeof code === 'number' && code >= 500) return { refused: code };
  throw err;
}

async function unlessExpired(message: { expiresAt?: string }, send: () => Promise<Sent>): Promise<Sent> {
  return message.expiresAt && Date.parse(message.expiresAt) <= Date.now() ? { expired: true } : send();
}

/** Runs `size` at a time; one that fails does not stop the rest (the first failure is thrown at the end). */
async function inGroups(work: (() => Promise<unknown>)[], size: number): Promise<void> {
  const failures: unknown[] = [];
  for (let i = 0; i < work.length; i += size) {
    for (const outcome of await Promise.allSettled(work.slice(i, i + size).map((run) => run())))
      if (outcome.status === 'rejected') failures.push(outcome.reason);
  }
  if (failures.length) throw failures[0];
}
