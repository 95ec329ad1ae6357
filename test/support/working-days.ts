/**
 * A local "YYYY-MM-DDTHH:MM" (read in UTC) moved to the following Monday when it falls on a Saturday
 * or a Sunday, the time kept: for tests that type a public moment "N days ahead" without meaning to
 * meet the non-working-day warning (README, PUBLIC_HOLIDAYS), whichever day they run.
 */
export function onAWeekday(local: string): string {
  const at = new Date(`${local}:00Z`);
  const day = at.getUTCDay();
  const shift = day === 6 ? 2 : day === 0 ? 1 : 0;
  return new Date(at.getTime() + shift * 86_400_000).toISOString().slice(0, 16);
}
