import { WaitingItem } from './waiting-for-maintainers';

/** "2026-12-02 12:00 UTC": the same in every maintainer's mail, whatever its time zone. */
export function utcMinute(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * The digest as text. Each link stands alone on its own line, absolute (PUBLIC_URL), so that it
 * survives `gpg --decrypt` and a mail reader's line wrapping: the text inside the encryption is
 * 8bit, never quoted-printable (libs/delivery compose-encrypted-mail).
 */
export function digestMail(input: {
  listAddress: string;
  publicUrl: string;
  now: Date;
  items: WaitingItem[];
  fresh: Set<string>;
}): { subject: string; text: string } {
  const fresh = input.items.filter((i) => input.fresh.has(i.key));
  const older = input.items.filter((i) => !input.fresh.has(i.key));
  const lines = (items: WaitingItem[]) =>
    items.flatMap((i) => [`  - ${i.text} (since ${utcMinute(i.since)})`, `    ${input.publicUrl}${i.link}`]);
  const text = [
    `What waits for the maintainers of ${input.listAddress}, as of ${utcMinute(input.now)}.`,
    ``,
    `New since the last digest:`,
    ...lines(fresh),
    ...(older.length ? [``, `Still waiting:`, ...lines(older)] : []),
    ``,
    `The same list is on the admin home page: ${input.publicUrl}/admin`,
    `Leak reports, members' answers, vulnerability reports and their reporters' answers were also mailed`,
    `to you on their own when they came.`,
  ].join('\n');
  const subject = `Waiting for you: ${fresh.length} new, ${input.items.length} in all`;
  return { subject, text };
}
