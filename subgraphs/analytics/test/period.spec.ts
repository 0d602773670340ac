import { describe, expect, it } from 'vitest';
import { checkedPeriod, daysOf } from '#src/period';

const code = (run: () => unknown) => {
  try {
    run();
    return null;
  } catch (error) {
    return (error as { extensions?: { code?: string; field?: string } }).extensions;
  }
};

describe('checkedPeriod', () => {
  it('takes calendar days in a named time zone, UTC by default', () => {
    expect(checkedPeriod({ from: '2026-12-01', to: '2026-12-06' })).toEqual({
      from: '2026-12-01',
      to: '2026-12-06',
      timeZone: 'UTC',
    });
    // The canonical spelling, as PostgreSQL knows it too.
    expect(checkedPeriod({ from: '2026-12-01', to: '2026-12-01', timeZone: 'europe/lisbon' }).timeZone).toBe(
      'Europe/Lisbon',
    );
  });

  it('refuses impossible dates, reversed periods, overlong ones and unknown zones, naming the field', () => {
    expect(code(() => checkedPeriod({ from: '2026-02-30', to: '2026-03-01' }))).toMatchObject({ field: 'from' });
    expect(code(() => checkedPeriod({ from: '2026-12-06', to: '2026-12-01' }))).toMatchObject({ field: 'from' });
    expect(code(() => checkedPeriod({ from: '2024-01-01', to: '2026-01-01' }))).toMatchObject({ field: 'to' });
    expect(code(() => checkedPeriod({ from: '2026-12-01', to: '2026-12-02', timeZone: 'Mars/Olympus' }))).toMatchObject(
      {
        code: 'BAD_USER_INPUT',
        field: 'timeZone',
      },
    );
  });

  it('lists every day of the period, across a month end', () => {
    expect(daysOf({ from: '2026-02-27', to: '2026-03-02', timeZone: 'UTC' })).toEqual([
      '2026-02-27',
      '2026-02-28',
      '2026-03-01',
      '2026-03-02',
    ]);
  });
});
