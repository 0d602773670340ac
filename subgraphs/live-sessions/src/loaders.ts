import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import { byKey, rows, table, uuidArray, validIds } from '@peerlink/platform/db/sql';
import DataLoader from 'dataloader';
import { maySee, type ViewerFacts } from './rules.js';
import { LiveSession, Participant, ParticipantRole, Recording } from './session.entity.js';

/** What a request reads about sessions, batched per request. */
export class LiveSessionLoaders {
  constructor(
    private readonly em: EntityManager,
    readonly viewer: Viewer | null,
  ) {}

  readonly session = new DataLoader<string, LiveSession | null>(async (ids) =>
    byKey(ids, await this.em.find(LiveSession, { id: { $in: validIds(ids) } }, { refresh: true }), (s) => s.id),
  );

  /** Each session's participants in the order they came in. */
  readonly participants = new DataLoader<string, Participant[]>(async (ids) => {
    const found = await this.em.find(
      Participant,
      { sessionId: { $in: validIds(ids) } },
      { orderBy: { createdAt: 'asc', id: 'asc' }, refresh: true },
    );
    // The host first, then in the order they came (rows made in one transaction share a time).
    const hostFirst = (p: Participant) => (p.role === ParticipantRole.HOST ? 0 : 1);
    return ids.map((id) =>
      found.filter((p) => p.sessionId === id.toLowerCase()).sort((a, b) => hostFirst(a) - hostFirst(b)),
    );
  });

  /** Each session's recordings, oldest first. */
  readonly recordings = new DataLoader<string, Recording[]>(async (ids) => {
    const found = await this.em.find(
      Recording,
      { sessionId: { $in: validIds(ids) } },
      { orderBy: { createdAt: 'asc', id: 'asc' }, refresh: true },
    );
    return ids.map((id) => found.filter((r) => r.sessionId === id.toLowerCase()));
  });

  /** Each conversation's members, as chat last announced them. */
  readonly members = new DataLoader<string, string[]>(async (ids) => {
    const found = await rows<{ conversation_id: string; member_ids: string[] }>(
      this.em,
      `select conversation_id, member_ids::text[] as member_ids from ${table(this.em, 'conversation_members')}
       where conversation_id = any(?::uuid[])`,
      [uuidArray(ids)],
    );
    return byKey(ids, found, (r) => r.conversation_id).map((r) => r?.member_ids ?? []);
  });

  /** Which of these hosts the viewer follows. */
  readonly followsHost = new DataLoader<string, boolean>(async (hostIds) => {
    if (!this.viewer) return hostIds.map(() => false);
    const found = await rows<{ followee_id: string }>(
      this.em,
      `select followee_id from ${table(this.em, 'follows')} where active and follower_id = ?
       and followee_id = any(?::uuid[])`,
      [this.viewer.userId, uuidArray(hostIds)],
    );
    return hostIds.map((id) => found.some((r) => r.followee_id === id.toLowerCase()));
  });

  /** The viewer's relation to the session, for the rules. */
  async viewerFacts(session: LiveSession): Promise<ViewerFacts | null> {
    if (!this.viewer) return null;
    const { userId } = this.viewer;
    const [participants, members, follower] = await Promise.all([
      this.participants.load(session.id),
      session.conversationId ? this.members.load(session.conversationId) : Promise.resolve([]),
      session.visibility ? this.followsHost.load(session.hostId) : Promise.resolve(false),
    ]);
    const state = participants.find((p) => p.userId === userId)?.state ?? null;
    return { userId, member: members.includes(userId), follower, state };
  }

  /** The session, if the viewer may see it. */
  async visibleSession(id: string): Promise<LiveSession | null> {
    const session = await this.session.load(id);
    if (!session) return null;
    const facts = await this.viewerFacts(session);
    return facts && maySee(session, facts) ? session : null;
  }
}
