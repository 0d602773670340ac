import type { EntityManager } from '@mikro-orm/postgresql';
import type DataLoader from 'dataloader';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import type { Orm } from '@peerlink/platform/db/database';
import { badInput, notFound } from '@peerlink/platform/errors';
import type { HandlerContext } from '@peerlink/platform/events/consumer';
import { decodeCursor, olderThan, pageSize, toConnection, withTotalCount } from '@peerlink/platform/graphql/pagination';
import { isUuid } from '@peerlink/platform/ids';
import type { NotificationsEvents } from '@peerlink/contracts/notifications';
import type { MessageSend, MessageSends } from './message-sends.js';
import { Notification, NotificationKind } from './notification.entity.js';
import { DEFAULT_CHANNELS, NotificationPreference, type NotificationPreferenceInput } from './preference.entity.js';
import { Recipient } from './recipient.entity.js';

export interface NewNotification {
  recipientId: string;
  kind: NotificationKind;
  title: string;
  body: string;
  actorId?: string | null;
  postId?: string | null;
  conversationId?: string | null;
  orderId?: string | null;
  returnRequestId?: string | null;
  sourceEventId: string;
}

/** An event handler's transaction: where notifications are made, and their sends claimed. */
export type Delivering = Pick<HandlerContext<NotificationsEvents>, 'em' | 'publish' | 'afterCommit'>;

export class NotificationService {
  constructor(
    private readonly orm: Orm,
    private readonly sends: MessageSends,
  ) {}

  /** Delivers a notification on the channels the recipient chose for its kind. */
  notify(context: Delivering, input: NewNotification) {
    return this.notifyAll(context, [input]);
  }

  /**
   * Several notifications of one event: everyone's choices in one query, their contacts in another.
   * Emails and texts are claimed beside the notifications and sent once the event's transaction
   * has committed (message-sends.ts), one per recipient and channel.
   */
  async notifyAll({ em, publish, afterCommit }: Delivering, inputs: NewNotification[]) {
    if (!inputs.length) return;
    const channels = await this.channelsFor(em, inputs);
    const reached = inputs
      .filter((_input, i) => channels[i]!.email || channels[i]!.sms)
      .map((input) => input.recipientId);
    const contacts = reached.length
      ? new Map((await em.find(Recipient, { userId: { $in: [...new Set(reached)] } })).map((r) => [r.userId, r]))
      : new Map<string, Recipient>();
    const sends: MessageSend[] = [];
    for (const [i, input] of inputs.entries()) {
      const { inApp, email, sms } = channels[i]!;
      if (inApp) {
        const notification = em.create(Notification, {
          ...input,
          actorId: input.actorId ?? null,
          postId: input.postId ?? null,
          conversationId: input.conversationId ?? null,
          orderId: input.orderId ?? null,
          returnRequestId: input.returnRequestId ?? null,
        });
        publish('notifications.notification.created', {
          id: notification.id,
          recipientId: input.recipientId,
          kind: input.kind,
        });
      }
      const recipient = contacts.get(input.recipientId);
      // One notification per recipient and event: its send is named by both, the same on a redelivery.
      const id = `${input.sourceEventId}:${input.recipientId}`;
      if (email && recipient)
        sends.push({ id, email: { to: recipient.email, subject: input.title, text: input.body } });
      if (sms && recipient?.phone)
        sends.push({ id, sms: { to: recipient.phone, text: `${input.title}: ${input.body}` } });
    }
    await this.sends.claim(em, afterCommit, sends);
  }

  async list(viewer: Viewer, first?: number | null, after?: string | null, unreadOnly?: boolean | null) {
    const size = pageSize(first);
    const mine = { recipientId: viewer.userId, ...(unreadOnly ? { read: false } : {}) };
    const rows = await this.orm.em.find(
      Notification,
      { ...mine, ...olderThan(decodeCursor(after)) },
      { orderBy: { createdAt: 'desc', id: 'desc' }, limit: size + 1 },
    );
    return withTotalCount(toConnection(rows, size, { after }), () => this.orm.em.count(Notification, mine));
  }

  /**
   * Only the recipient may read a notification; to anyone else it does not exist. Rows come by id
   * alone (`rows` may serve a whole batch of recipients), so the recipient is checked here.
   */
  async byId(viewer: Viewer, id: string, rows: DataLoader<string, Notification | null>) {
    const notification = isUuid(id) ? await rows.load(id) : null;
    if (!notification || notification.recipientId !== viewer.userId.toLowerCase()) throw notFound('Notification');
    return notification;
  }

  unreadCount(viewer: Viewer) {
    return this.orm.em.count(Notification, { recipientId: viewer.userId, read: false });
  }

  async markRead(viewer: Viewer, ids: string[]) {
    if (ids.length > 500) throw badInput('Mark at most 500 notifications at once.', 'ids');
    const valid = ids.filter(isUuid);
    if (valid.length !== ids.length) throw badInput('Some ids are not notification ids.', 'ids');
    return this.orm.em.nativeUpdate(
      Notification,
      { id: { $in: valid }, recipientId: viewer.userId, read: false },
      { read: true },
    );
  }

  markAllRead(viewer: Viewer) {
    return this.orm.em.nativeUpdate(Notification, { recipientId: viewer.userId, read: false }, { read: true });
  }

  /** Every kind, with the user's choices over the defaults. */
  async preferences(viewer: Viewer): Promise<NotificationPreference[]> {
    const saved = await this.orm.em.find(NotificationPreference, { userId: viewer.userId });
    return Object.values(NotificationKind).map(
      (kind) =>
        saved.find((p) => p.kind === kind) ??
        Object.assign(new NotificationPreference(), { userId: viewer.userId, kind, ...DEFAULT_CHANNELS[kind] }),
    );
  }

  async updatePreferences(viewer: Viewer, changes: NotificationPreferenceInput[]) {
    if (new Set(changes.map((c) => c.kind)).size !== changes.length)
      throw badInput('Each kind may appear once.', 'input');
    await this.orm.em.transactional(async (em) => {
      for (const change of changes) {
        const current =
          (await em.findOne(NotificationPreference, { userId: viewer.userId, kind: change.kind })) ??
          em.create(NotificationPreference, {
            userId: viewer.userId,
            kind: change.kind,
            ...DEFAULT_CHANNELS[change.kind],
          });
        if (change.inApp != null) current.inApp = change.inApp;
        if (change.email != null) current.email = change.email;
        if (change.sms != null) current.sms = change.sms;
      }
    });
    return this.preferences(viewer);
  }

  /** Each notification's channels: the recipient's saved choice for its kind, or the kind's defaults. */
  private async channelsFor(em: EntityManager, inputs: { recipientId: string; kind: NotificationKind }[]) {
    const saved = await em.find(NotificationPreference, {
      $or: inputs.map(({ recipientId, kind }) => ({ userId: recipientId, kind })),
    });
    return inputs.map(
      ({ recipientId, kind }) =>
        saved.find((p) => p.userId === recipientId && p.kind === kind) ?? DEFAULT_CHANNELS[kind],
    );
  }
}
