import { inspectPublicKey } from '@cordon/crypto';
import { DomainError } from '@cordon/errors';
import { ReportMessage } from './report-message';

/** The reporter's key as found, or why none is used: facts for the audit log, never the key's content. */
export interface ReporterKey {
  /** Armored as the key policy keeps it, or null: the report is filed without a key. */
  armored: string | null;
  source: 'attached' | 'autocrypt' | null;
  /** The key policy's code when a key came and was refused (KEY_EXPIRED, KEY_NO_MATCHING_USER_ID, …). */
  refused: string | null;
}

/**
 * The key to answer the reporter with (issue 13): an attached `application/pgp-keys` part, else
 * an Autocrypt header for the From address (Autocrypt Level 1 §2.1), but only one that passes the
 * key policy with a user ID for `contact`, the address the answer goes to. A key that fails is
 * not an error: the report is filed all the same, answered without a key (a notice carrying
 * only the link), and the refusal recorded.
 */
export async function reporterKeyOf(message: ReportMessage, contact: string, now: Date): Promise<ReporterKey> {
  const candidates: { source: 'attached' | 'autocrypt'; bytes: Buffer }[] = message.keys.map((bytes) => ({
    source: 'attached',
    bytes,
  }));
  if (message.autocrypt && message.autocrypt.addr === contact.toLowerCase()) {
    candidates.push({ source: 'autocrypt', bytes: message.autocrypt.keydata });
  }
  let refused: string | null = null;
  for (const { source, bytes } of candidates) {
    try {
      const { details } = await inspectPublicKey(asKeyInput(bytes), { requireAddress: contact, now });
      return { armored: details.armored, source, refused: null };
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      refused ??= error.code;
    }
  }
  return { armored: null, source: null, refused };
}

/** Armored text stays text; anything else is read as binary packets. */
function asKeyInput(bytes: Buffer): string | Uint8Array {
  const text = bytes.toString('latin1');
  return text.includes('-----BEGIN PGP') ? text : bytes;
}
