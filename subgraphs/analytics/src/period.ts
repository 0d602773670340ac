import { badInput } from '@peerlink/platform/errors';

/** A report's days: from `from` to `to` inclusive, as calendar days in `timeZone` (an IANA name). */
export interface Period {
  from: string;
  to: string;
  timeZone: string;
}

export const MAX_PERIOD_DAYS = 400;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Checked: real dates in order, at most MAX_PERIOD_DAYS, and a time zone this process knows. */
export function checkedPeriod(input: { from: string; to: string; timeZone?: string | null }): Period {
  let timeZone: string;
  try {
    // The canonical name, which PostgreSQL knows too (e.g. "europe/lisbon" becomes "Europe/Lisbon").
    timeZone = new Intl.DateTimeFormat('en', { timeZone: input.timeZone?.trim() || 'UTC' }).resolvedOptions().timeZone;
  } catch {
    throw badInput(`Unknown time zone ${input.timeZone}; use an IANA name such as Europe/Lisbon.`, 'timeZone');
  }
  for (const field of ['from', 'to'] as const) {
    const value = input[field];
    if (
      !DATE.test(value) ||
      Number.isNaN(Date.parse(`${value}T00:00:00Z`)) ||
      new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value
    )
      throw badInput(`${field}: a date as YYYY-MM-DD.`, field);
  }
  const days = daysBetween(input.from, input.to) + 1;
  if (days < 1) throw badInput('from comes after to.', 'from');
  if (days > MAX_PERIOD_DAYS) throw badInput(`A period spans at most ${MAX_PERIOD_DAYS} days.`, 'to');
  return { from: input.from, to: input.to, timeZone };
}

export const daysBetween = (from: string, to: string) =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);

/** Every day of the period, in order, for reports that list days with nothing in them too. */
export function daysOf(period: Period): string[] {
  const count = daysBetween(period.from, period.to) + 1;
  const start = Date.parse(`${period.from}T00:00:00Z`);
  return Array.from({ length: count }, (_, i) => new Date(start + i * 86_400_000).toISOString().slice(0, 10));
}

/** A period's first instant and the instant after its last, in SQL: two parameters each, the date and the zone. */
export const PERIOD_START = '(?::date)::timestamp at time zone ?';
export const PERIOD_END = '(?::date + 1)::timestamp at time zone ?';
export const startOf = (p: Period) => [p.from, p.timeZone];
export const endOf = (p: Period) => [p.to, p.timeZone];

/** `column` (an instant) within the period, in SQL; its parameters are `bounds(period)`. */
export const inPeriod = (column: string) => `${column} >= ${PERIOD_START} and ${column} < ${PERIOD_END}`;
export const bounds = (p: Period) => [...startOf(p), ...endOf(p)];
