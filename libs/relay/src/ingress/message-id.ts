/** A header section longer than this is not looked through: the ingress only wants one field. */
const HEADER_SCAN_LIMIT = 64 * 1024;
/** RFC 5322 lines are at most 998 characters; a longer Message-ID is not one worth recording whole. */
const MAX_LENGTH = 250;

/**
 * The Message-ID field of a raw message (RFC 5322 §3.6.4), for the audit record: it lets a
 * maintainer match the record to the copy in their mail client without storing any content.
 * Reads only the header section, unfolds it, and returns the first `<...>` id (or the bare value
 * when it has no angle brackets), cut to a sane length; null when there is none.
 */
export function messageIdOf(raw: Buffer): string | null {
  // latin1 maps byte to character one to one: the header section is ASCII by RFC 5322, and a
  // stray 8-bit byte must not shift anything.
  const head = raw.subarray(0, HEADER_SCAN_LIMIT).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  const header = (end >= 0 ? head.slice(0, end) : head).replace(/\r?\n(?=[ \t])/g, '');
  const field = /^message-id[ \t]*:(.*)$/im.exec(header);
  if (!field) return null;
  const value = field[1].trim();
  // Control characters have no place in an id, nor in the log it is read from.
  const id = [...(/<[^<>\s]*>/.exec(value)?.[0] ?? value)].filter((c) => c >= ' ' && c !== '\x7f').join('');
  return id ? id.slice(0, MAX_LENGTH) : null;
}
