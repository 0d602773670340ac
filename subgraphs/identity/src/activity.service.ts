import type { EntityManager } from '@mikro-orm/postgresql';
import type { AssistantEvents } from '@peerlink/contracts/assistant';
import type { ClientInfo, Viewer } from '@peerlink/platform/auth/viewer';
import { decodeCursor, olderThan, pageSize, toConnection } from '@peerlink/platform/graphql/pagination';
import type { Orm } from '@peerlink/platform/db/database';
import { isUuid } from '@peerlink/platform/ids';
import { Activity, ActivityKind } from './activity.entity.js';
import { requireRole } from '@peerlink/platform/auth/roles';
import type { User } from './user.entity.js';

export class ActivityService {
  constructor(private readonly orm: Orm) {}

  /** Adds an entry to the user's security log, inside the caller's transaction. */
  record(em: EntityManager, user: User, kind: ActivityKind, client: ClientInfo, detail?: string) {
    em.create(Activity, {
      user,
      kind,
      ip: client.ip ?? null,
      userAgent: client.userAgent?.slice(0, 500) ?? null,
      detail: detail ?? null,
    });
  }

  /**
   * A question the user asked a bot (the assistant's event), inside the consumer's transaction: which bot, in
   * which thread, when it was asked. The event has no text, so neither does the log.
   */
  recordQuestion(em: EntityManager, question: AssistantEvents['assistant.question.asked']) {
    em.create(Activity, {
      user: question.userId,
      kind: ActivityKind.ASSISTANT_ASKED,
      detail: `${question.bot} in thread ${question.threadId}`,
      createdAt: new Date(question.at),
    });
  }

  /** A user reads their own log; admins read anyone's. */
  async list(viewer: Viewer, userId: string, first?: number | null, after?: string | null) {
    if (viewer.userId !== userId) requireRole(viewer, 'ADMIN', "Only admins can read another user's activity.");
    const size = pageSize(first);
    const cursor = decodeCursor(after);
    // An id that is not a UUID names no user, so it has no activity (and would be a SQL error).
    const rows = isUuid(userId)
      ? await this.orm.em.find(
          Activity,
          { user: userId, ...olderThan(cursor) },
          { orderBy: { createdAt: 'desc', id: 'desc' }, limit: size + 1 },
        )
      : [];
    return toConnection(rows, size, { after });
  }
}
