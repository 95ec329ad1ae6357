import { createCleartextMessage, PrivateKey, PublicKey, readCleartextMessage, sign, verify } from 'openpgp';
import { openpgpConfig } from '@cordon/crypto';
import { DomainError } from '@cordon/errors';

/**
 * A checkpoint anchors the audit log outside the database: the number of entries and the newest
 * one's hash at a moment, signed by the list key and mailed to the maintainers. A log truncated,
 * wiped or rewritten since no longer holds that entry at that number, and the database alone
 * cannot make a new signature.
 */
export interface Checkpoint {
  list: string;
  entries: number;
  head: string;
  time: string;
}

const TITLE = 'Cordon audit checkpoint';
const SIGNED_BLOCK = /-----BEGIN PGP SIGNED MESSAGE-----[\s\S]*?-----END PGP SIGNATURE-----/;

/** The checkpoint as the plain text that is signed: short lines, one field each. */
export function checkpointText(checkpoint: Checkpoint): string {
  return [
    TITLE,
    `List: ${checkpoint.list}`,
    `Entries: ${checkpoint.entries}`,
    `Head: ${checkpoint.head}`,
    `Time: ${checkpoint.time}`,
  ].join('\n');
}

/** An OpenPGP cleartext-signed checkpoint (RFC 4880 §7): `gpg --verify` reads it as well as Cordon. */
export async function signCheckpoint(checkpoint: Checkpoint, signer: PrivateKey): Promise<string> {
  const message = await createCleartextMessage({ text: checkpointText(checkpoint) });
  return sign({ message, signingKeys: signer, config: openpgpConfig });
}

/**
 * Reads the signed checkpoint in `input` (alone, or anywhere in a longer text such as the
 * decrypted checkpoint mail) and checks its signature with the list key. Refuses a text without
 * one, a signature by another key, or a signed text altered since.
 */
export async function readCheckpoint(input: string, listKey: PublicKey): Promise<Checkpoint> {
  const block = SIGNED_BLOCK.exec(input.replace(/\r\n?/g, '\n'))?.[0];
  if (!block) throw refused('The file holds no signed audit checkpoint (-----BEGIN PGP SIGNED MESSAGE-----).');
  let text: string;
  try {
    const message = await readCleartextMessage({ cleartextMessage: block, config: openpgpConfig });
    const result = await verify({ message, verificationKeys: listKey, expectSigned: true, config: openpgpConfig });
    text = result.data;
  } catch {
    const fingerprint = listKey.getFingerprint().toUpperCase();
    throw refused(
      `The checkpoint's signature does not verify with the list key ${fingerprint}: it was altered, forged, or is of another list.`,
    );
  }
  return parseCheckpoint(text);
}

function parseCheckpoint(text: string): Checkpoint {
  const [title, ...lines] = text.trim().split('\n');
  const fields = new Map(
    lines.map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()] as const;
    }),
  );
  const entries = fields.get('Entries') ?? '';
  const head = fields.get('Head') ?? '';
  const time = fields.get('Time') ?? '';
  if (title?.trim() !== TITLE || !/^\d{1,15}$/.test(entries) || !/^[0-9a-f]{64}$/.test(head) || !fields.get('List')) {
    throw refused('The signed text is not an audit checkpoint (Cordon audit checkpoint, List, Entries, Head, Time).');
  }
  return { list: fields.get('List')!, entries: Number(entries), head, time };
}

function refused(message: string): DomainError {
  return new DomainError('INVALID_INPUT', message, 'checkpoint');
}
