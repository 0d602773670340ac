import type { EntityManager } from '@mikro-orm/postgresql';
import type { Orm } from '@peerlink/platform/db/database';
import { table } from '@peerlink/platform/db/sql';

/**
 * Sponsored placements counted in memory and added to their campaigns once a second, all in one
 * statement. A search used to write each placed campaign's row as it answered, so every first page
 * paid a write, and concurrent searches showing one campaign queued on its row lock. The price: a
 * crash loses at most the last second's impressions, which are statistics, not billed.
 */
export class ImpressionCounter {
  private pending = new Map<string, number>();

  constructor(private readonly orm: Orm) {}

  count(campaignIds: string[]) {
    for (const id of campaignIds) this.pending.set(id, (this.pending.get(id) ?? 0) + 1);
  }

  async flush(): Promise<void> {
    if (!this.pending.size) return;
    const counted = this.pending;
    this.pending = new Map();
    const em = this.orm.em as EntityManager;
    try {
      await em.execute(
        `update ${table(em, 'campaigns')} c set impressions = c.impressions + v.n
         from unnest(?::uuid[], ?::int[]) as v(id, n) where c.id = v.id`,
        [`{${[...counted.keys()].join(',')}}`, `{${[...counted.values()].join(',')}}`],
      );
    } catch (error) {
      // Kept for the next flush rather than lost to a brief database error.
      for (const [id, n] of counted) this.pending.set(id, (this.pending.get(id) ?? 0) + n);
      throw error;
    }
  }
}
