import type { EntityManager } from '@mikro-orm/postgresql';
import { requireRole } from '@peerlink/platform/auth/roles';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import { rows, table } from '@peerlink/platform/db/sql';
import { badInput } from '@peerlink/platform/errors';
import { isUuid } from '@peerlink/platform/ids';
import { daysOf, PERIOD_END, type Period } from './period.js';
import { latest, numbers } from './report.service.js';

interface Stored {
  date: string;
  files: number;
  bytes: number;
}

/** Admins' figures of what drive stores, from the storage read models (storage.ts). */
export class StorageReportService {
  constructor(private readonly em: EntityManager) {}

  /**
   * What was stored at the end of each day of the period (in its zone), in all, per owner and per MIME type, with
   * the bytes added and purged that day. A file counts under its type as of its latest version then, and with every
   * version's bytes, as drive's usage does, until it is purged. `userId` narrows it to one owner's files.
   */
  async report(viewer: Viewer, period: Period, userId?: string | null) {
    requireRole(viewer, 'ADMIN', 'Only admins read storage figures.');
    if (userId != null && !isUuid(userId)) throw badInput('userId: a user’s id.', 'userId');
    const em = this.em.fork();
    const versions = table(em, 'stored_versions');
    const purged = table(em, 'purged_files');
    const owner = userId ?? null;
    const [levels, flows] = await Promise.all([
      rows<Stored & { owner_id: string | null; mime_type: string | null; set: number }>(
        em,
        `with days as (
           select d::date as date, ((d::date + 1)::timestamp at time zone ?) as day_end
           from generate_series(?::date, ?::date, interval '1 day') as d
         ), files as (
           select d.date, v.file_id, v.owner_id, sum(v.size) as bytes,
             (array_agg(v.mime_type order by v.number desc))[1] as mime_type
           from days d join ${versions} v on v.occurred_at < d.day_end
           where (?::uuid is null or v.owner_id = ?::uuid) and not exists (
             select 1 from ${purged} p where p.file_id = v.file_id and p.occurred_at < d.day_end)
           group by d.date, v.file_id, v.owner_id
         )
         select to_char(date, 'YYYY-MM-DD') as date, owner_id, mime_type, grouping(owner_id, mime_type) as set,
           count(*)::int as files, sum(bytes)::bigint as bytes
         from files group by grouping sets ((date, owner_id), (date, mime_type), (date))
         order by 1, owner_id, mime_type`,
        [period.timeZone, period.from, period.to, owner, owner],
      ),
      rows<{ date: string; added: number; purged: number; last: Date | string | null }>(
        em,
        `with moves as (
           select occurred_at, size as added, 0 as purged from ${versions} where ?::uuid is null or owner_id = ?::uuid
           union all
           select occurred_at, 0, bytes from ${purged} where ?::uuid is null or owner_id = ?::uuid
         )
         select to_char(occurred_at at time zone ?, 'YYYY-MM-DD') as date, sum(added)::bigint as added,
           sum(purged)::bigint as purged, max(occurred_at) as last
         from moves where occurred_at < ${PERIOD_END} group by 1 order by 1`,
        [owner, owner, owner, owner, period.timeZone, period.to, period.timeZone],
      ),
    ]);
    const stored = levels.map(numbers);
    const totals = new Map(stored.filter((r) => r.set === 3).map((r) => [r.date, r]));
    const moved = new Map(flows.map(numbers).map((r) => [r.date, r]));
    return {
      days: daysOf(period).map((date) => ({
        date,
        files: totals.get(date)?.files ?? 0,
        bytes: totals.get(date)?.bytes ?? 0,
        bytesAdded: moved.get(date)?.added ?? 0,
        bytesPurged: moved.get(date)?.purged ?? 0,
      })),
      users: stored
        .filter((r) => r.set === 1)
        .map(({ date, owner_id, files, bytes }) => ({ date, userId: owner_id!, files, bytes })),
      mimeTypes: stored
        .filter((r) => r.set === 2)
        .map(({ date, mime_type, files, bytes }) => ({ date, mimeType: mime_type!, files, bytes })),
      // Every figure counts all that happened up to its day's end, so the latest of those events.
      lastEventAt: latest(flows.map((r) => r.last)),
    };
  }
}
