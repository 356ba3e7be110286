/**
 * Event-time parsing for dataset files. Accepted forms:
 * - RFC 3339 / ISO 8601 with a zone (`2018-06-17T00:00:00Z`, `...+02:00`);
 * - the same without a zone (`2020-03-09 10:14:33`, SKAB and some Microsoft
 *   files), read as UTC so a replay does not depend on the host's time zone;
 * - a date alone (`2020-03-09`, UTC midnight);
 * - epoch numbers: below 1e11 they are seconds (1e11 s is the year 5138),
 *   otherwise milliseconds.
 */
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)\s*(Z|z|[+-]\d{2}:?\d{2})?)?$/;
const EPOCH = /^\d+(?:\.\d+)?$/;
const SECONDS_BELOW = 1e11;

/** Epoch milliseconds, or undefined when `text` is not a timestamp. */
export function parseTimestamp(text: string): number | undefined {
  const trimmed = text.trim();
  if (EPOCH.test(trimmed)) {
    const n = Number(trimmed);
    return Math.round(n < SECONDS_BELOW ? n * 1000 : n);
  }
  const match = DATE_TIME.exec(trimmed);
  if (!match) return undefined;
  const [, date, time, zone] = match;
  let iso = time === undefined ? `${date}T00:00:00` : `${date}T${time}`;
  if (zone === undefined || zone === 'z') iso += 'Z';
  else iso += zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}
