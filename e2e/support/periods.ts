/** Report periods as the analytics specs ask for them: calendar days in a time zone, as YYYY-MM-DD. */

const DAY_MS = 86_400_000;

/** The date in `timeZone` now, or `shiftDays` days from now. */
export const dateIn = (timeZone = 'UTC', shiftDays = 0) =>
  new Intl.DateTimeFormat('en-CA', { timeZone }).format(new Date(Date.now() + shiftDays * DAY_MS));

/** Today alone, in `timeZone`. */
export const todayIn = (timeZone = 'UTC') => ({ from: dateIn(timeZone), to: dateIn(timeZone), timeZone });

/** Yesterday to tomorrow in `timeZone`: what a spec did is in it even when the spec runs across midnight. */
export const around = (timeZone = 'UTC') => ({ from: dateIn(timeZone, -1), to: dateIn(timeZone, 1), timeZone });
