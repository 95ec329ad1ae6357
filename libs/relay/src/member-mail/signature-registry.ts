import { EntityManager } from 'typeorm';
import { InboundMessage } from '../ingress';
import { OpenedMail } from '../open';

export type SignedMailPurpose = 'acknowledgement' | 'leak_report' | 'answer';

/**
 * Records that a member's signature has been used, in the caller's transaction; false when it was
 * used before, for this or any other purpose (a replay). The digest names what the member signed
 * and when, not the bytes around it (see PostSigner.signatureDigest), so re-encrypting or
 * re-wrapping a signed message does not make it new. Concurrent claims meet on the primary key.
 */
export async function claimSignature(
  manager: EntityManager,
  opened: OpenedMail,
  inbound: InboundMessage,
  purpose: SignedMailPurpose,
): Promise<boolean> {
  const claimed = (await manager.query(
    `INSERT INTO member_signed_mail (signature_digest, member_id, inbound_message_id, purpose, signed_at)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (signature_digest) DO NOTHING
     RETURNING 1`,
    [opened.signer.signatureDigest, opened.signer.id, inbound.id, purpose, opened.signer.signedAt],
  )) as unknown[];
  return claimed.length > 0;
}
