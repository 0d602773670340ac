/**
 * What each live event cost across its subscribers: lookups are counted while any subscriber that
 * queued the event still holds it, and reported once the last one is done with it.
 */
export class EventCosts {
  private readonly open = new Map<string, { lookups: number; holders: number }>();

  constructor(private readonly onDone: (lookups: number) => void) {}

  get size() {
    return this.open.size;
  }

  held(eventId: string) {
    const entry = this.open.get(eventId) ?? { lookups: 0, holders: 0 };
    entry.holders += 1;
    this.open.set(eventId, entry);
  }

  lookedUp(eventId: string) {
    const entry = this.open.get(eventId);
    if (entry) entry.lookups += 1;
  }

  /** `resolved` false: the holder refused the event, which then counts as done only if others held it. */
  released(eventId: string, resolved = true) {
    const entry = this.open.get(eventId);
    if (!entry || --entry.holders > 0) return;
    this.open.delete(eventId);
    if (resolved || entry.lookups) this.onDone(entry.lookups);
  }
}
