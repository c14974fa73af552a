const DAY = 86_400_000;
/** 9999-12-31T23:59:59.999Z: past it (and before 1970) toISOString's own text is used. */
const LAST = 253_402_300_799_999;
/** The date part of the days seen lately ("2026-12-03T"), by day number. */
const dayTexts = new Map<number, string>();
const twoDigits = (n: number) => (n < 10 ? '0' : '') + n;

/**
 * A stored instant (epoch milliseconds; a string on PostgreSQL) as RFC 3339 text, exactly as
 * `new Date(ms).toISOString()` writes it, in about a quarter of its time: the date part is
 * kept per day, the time of day is arithmetic. A page of 100 users writes 200 of them
 * (`meta.created`, `meta.lastModified`), and toISOString was 5% of a page's CPU (issue 16).
 */
export function isoInstant(instant: number | string): string {
  const ms = Number(instant);
  if (!(ms >= 0 && ms <= LAST)) return new Date(ms).toISOString();
  const day = Math.floor(ms / DAY);
  let date = dayTexts.get(day);
  if (date === undefined) {
    date = new Date(day * DAY).toISOString().slice(0, 11);
    if (dayTexts.size >= 4096) dayTexts.clear();
    dayTexts.set(day, date);
  }
  let rest = ms - day * DAY;
  const millis = rest % 1000;
  rest = (rest - millis) / 1000;
  const seconds = rest % 60;
  rest = (rest - seconds) / 60;
  const minutes = rest % 60;
  const hours = (rest - minutes) / 60;
  const millisText = (millis < 10 ? '00' : millis < 100 ? '0' : '') + millis;
  return `${date}${twoDigits(hours)}:${twoDigits(minutes)}:${twoDigits(seconds)}.${millisText}Z`;
}
