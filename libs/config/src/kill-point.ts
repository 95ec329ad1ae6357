/**
 * A test hook, never a setting to run with (README, settings: CORDON_TEST_KILL_AT): the crash
 * tests (test/relay/crash.e2e.ts) name one of these points of a post's life, and the process
 * SIGKILLs itself when it gets there, so that each crash lands where the test means it to rather
 * than wherever a kill from outside happens to fall.
 */
export const KILL_POINTS = [
  /** SMTP DATA received, the inbound row written but not committed: the client gets no 250. */
  'storing',
  /** The inbound row committed, the 250 not yet sent: the client will send the message again. */
  'stored',
  /** The post pipeline has claimed the stored message; its fan-out is not committed. */
  'opening',
  /** The post and its queue rows are committed; no copy is claimed yet. */
  'fanned-out',
  /** A batch of copies is claimed (leased); none is sent. */
  'claimed',
  /** The outbound relay has accepted a copy, which is not yet recorded as sent. */
  'delivering',
] as const;

export type KillPoint = (typeof KILL_POINTS)[number];

/** `point` or `point:n` (killed the n-th time the point is reached). */
export const KILL_AT_PATTERN = new RegExp(`^(${KILL_POINTS.join('|')})(:[1-9][0-9]*)?$`);

interface Armed {
  point: KillPoint;
  /** Times the point may still be passed before the kill. */
  passes: number;
}

let armed: Armed | null = null;
let read = false;

/**
 * Read once, on the first point reached: by then the settings are loaded (with `.env`), and the
 * settings' check has refused a value that names no point (KILL_AT_PATTERN).
 */
function arm(): Armed | null {
  const value = process.env.CORDON_TEST_KILL_AT;
  if (!value || !KILL_AT_PATTERN.test(value)) return null;
  const [point, nth] = value.split(':');
  return { point: point as KillPoint, passes: Number(nth ?? 1) - 1 };
}

/** Ends this process at once (SIGKILL: no clean-up runs) when CORDON_TEST_KILL_AT names `point`. */
export function killPoint(point: KillPoint): void {
  if (!read) [armed, read] = [arm(), true];
  if (armed?.point !== point) return;
  if (armed.passes-- > 0) return;
  process.kill(process.pid, 'SIGKILL');
}
