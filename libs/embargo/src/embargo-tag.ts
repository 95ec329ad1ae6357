/**
 * `[EMB-12]` in a subject names embargo number 12 (issue 5). The tag is matched in square
 * brackets only, without regard to case, and the first one wins: a reply's subject such as
 * "Re: [EMB-12] fix ready" still names it. Numbers are bounded so that a hostile subject cannot
 * make a value PostgreSQL's integer refuses.
 */
const TAG = /\[\s*EMB-(\d{1,9})\s*\]/i;

/** The embargo number a subject names, or null when it names none. */
export function embargoNumberIn(subject: string | null | undefined): number | null {
  const match = subject ? TAG.exec(subject) : null;
  if (!match) return null;
  const number = Number(match[1]);
  return number > 0 ? number : null;
}
