/** Calendar shapes shared by the generator's profiles. All times are UTC epoch ms. */
export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/**
 * Daily cycle in about [-1.2, 1.2]: a 24-hour wave peaking at `peakHour` plus a
 * smaller 12-hour harmonic, so days are not plain sine waves.
 */
export function dailyCycle(t: number, peakHour: number): number {
  const hours = t / HOUR_MS - peakHour;
  return Math.cos((2 * Math.PI * hours) / 24) + 0.2 * Math.cos((2 * Math.PI * hours) / 12);
}

const WEEKEND_RAMP_DAYS = 3 / 24;

/**
 * 1 on Saturday and Sunday, 0 on weekdays, with three-hour ramps at either
 * end of the weekend so there is no step at midnight.
 */
export function weekendShare(t: number): number {
  // Day 0 of the epoch was a Thursday, five days after a Saturday.
  const sinceSaturday = (((t / DAY_MS + 5) % 7) + 7) % 7;
  if (sinceSaturday >= 2) return 0;
  return Math.min(1, sinceSaturday / WEEKEND_RAMP_DAYS, (2 - sinceSaturday) / WEEKEND_RAMP_DAYS);
}
