import type { SMTPServerDataResult } from 'smtp-server';

/** An error smtp-server turns into a reply: `responseCode`, then the enhanced status (RFC 3463) it adds, then the text. */
export type SmtpReply = Error & { responseCode: number };

/** How onData answers a message: an error (a refusal), or the 250 text (one result per recipient in LMTP). */
export type DataReply = (error?: Error | null, message?: string | SMTPServerDataResult[]) => void;

export function smtpReply(responseCode: number, text: string): SmtpReply {
  return Object.assign(new Error(text), { responseCode });
}

/**
 * The ingress's refusals. Each names what was wrong and what to do, never the content, never who
 * is a member (README "Posting to the list"). smtp-server prefixes the enhanced status code the comment names.
 */
export const refusals = {
  /** 550 5.1.1 (RFC 3463: bad destination mailbox address): none of the list's addresses. */
  unknownRecipient: () => smtpReply(550, 'No such user here'),
  /** 552 5.3.4 (message too big for system): over SMTP_MAX_SIZE, as announced in EHLO (RFC 1870). */
  tooBig: (limit: number) => smtpReply(552, `Message exceeds the fixed maximum message size of ${limit} bytes`),
  /**
   * 552 (smtp-server adds 5.2.2, its default for 552): a vulnerability report (to `<list>-report@`)
   * over REPORT_MAX_BYTES, which is less than what the list's other addresses take. Nothing is
   * stored; the text says why and what to do.
   */
  reportTooBig: (limit: number) =>
    smtpReply(
      552,
      `A vulnerability report may be at most ${limit} bytes with its attachments; nothing was kept. Leave out large files (offer them in your report) and send it again.`,
    ),
  /** 451 4.3.0 (other or undefined mail system status): not stored, so the sender must try again. */
  notStored: () => smtpReply(451, 'Could not store the message; please try again later'),
  /**
   * 421 4.7.0 (other security or policy status): over SMTP_MAX_CLIENTS_PER_ADDRESS. Refused before
   * the greeting, where smtp-server adds no enhanced status, so the text carries it (as Postfix's does).
   */
  tooManyFromAddress: () => smtpReply(421, '4.7.0 Too many connections from your address; try again later'),
  /** 421 4.4.2 (bad connection): the session lasted SMTP_SESSION_SECONDS; the sender opens a new one. */
  sessionTooLong: (seconds: number) =>
    smtpReply(421, `Session time limit of ${seconds} seconds reached; closing connection`),
  /** 421 4.4.2: the message took longer than SMTP_DATA_SECONDS to arrive; not stored, to be sent again. */
  dataTooLong: (seconds: number) =>
    smtpReply(421, `Message not received within ${seconds} seconds; not stored, closing connection`),
  /** 421 4.4.2: the message arrived slower than SMTP_MIN_DATA_RATE; not stored, to be sent again. */
  dataTooSlow: (bytesPerSecond: number) =>
    smtpReply(421, `Message arriving slower than ${bytesPerSecond} bytes a second; not stored, closing connection`),
} as const;

/**
 * The message of something thrown, for a log line or a start-up error. Not `instanceof Error`:
 * errors from Node's own modules may come from another realm (as they do under Jest).
 */
export function reasonOf(error: unknown): string {
  return String((error as { message?: unknown } | null)?.message ?? error);
}
