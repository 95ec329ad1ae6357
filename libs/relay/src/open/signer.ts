import { createHash } from 'node:crypto';
import { createMessage, DecryptMessageResult, PublicKey, readSignature, Signature, verify } from 'openpgp';
import { openpgpConfig } from '@cordon/crypto';
import { MailSigner, OpenContext } from './opened-post';
import { PostRefusal, refusal } from './post-refusal';

type SignatureResult = DecryptMessageResult['signatures'][number];

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
/** How far ahead of our clock a signature may be dated: the sender's clock may run fast. */
export const CLOCK_SKEW_MS = HOUR_MS;

/**
 * Signatures a message may carry (RFC 9580 §5.2): a client signs with one key, two while a
 * maintainer moves between keys. Each signature by a known key costs a pass over the signed
 * bytes, and anyone can write a known key's ID on a packet, so more are refused unchecked.
 */
export const MAX_SIGNATURES = 4;

export function refuseTooManySignatures(count: number): void {
  if (count > MAX_SIGNATURES) {
    throw refusal(
      'TOO_MANY_SIGNATURES',
      `The message carries ${count} signatures; Cordon checks at most ${MAX_SIGNATURES}. Sign it with your own key only and send it again.`,
    );
  }
}

/** The date OpenPGP.js checks signatures against: ours, allowing for the sender's fast clock. */
export const verificationDate = (ctx: OpenContext): Date => new Date(ctx.now.getTime() + CLOCK_SKEW_MS);

/** The keys a signature may come from: the maintainers', then the members' when the caller accepts them. */
export function signerKeys(ctx: OpenContext): PublicKey[] {
  return [...ctx.maintainers, ...(ctx.members ?? [])].map(({ key }) => key);
}

/**
 * Accepts a message's signatures only if one is a good signature by an active maintainer (or, when
 * the caller accepts members, by a member), made within `maxAgeDays` (docs/architecture.md, invariant 3;
 * issue 4 "Refuse replays"). Signatures by other keys are ignored; every signature by an accepted
 * signer must be good. A maintainer's signature counts before a member's.
 */
export async function acceptSignatures(
  signatures: SignatureResult[],
  signedBytes: Uint8Array,
  ctx: OpenContext,
): Promise<MailSigner> {
  if (signatures.length === 0) {
    throw refusal('UNSIGNED', 'The post is not signed. Sign it with your own key as well as encrypting it.');
  }
  const bySigner = (role: MailSigner['role'], signers: OpenContext['maintainers']) =>
    signatures.flatMap((result) => {
      const signer = signers.find(({ key }) => key.getKeys(result.keyID).length > 0);
      return signer ? [{ result, role, signer }] : [];
    });
  const byMaintainers = bySigner('maintainer', ctx.maintainers);
  const accepted = byMaintainers.length ? byMaintainers : bySigner('member', ctx.members ?? []);
  if (accepted.length === 0) {
    throw ctx.members
      ? refusal(
          'SIGNER_UNKNOWN',
          'The message is not signed by the key of a member or maintainer. Sign it with the key registered for you on the list.',
        )
      : refusal(
          'SIGNER_NOT_MAINTAINER',
          "The post is not signed by an active maintainer's key. Sign it with the key registered for you as a maintainer.",
        );
  }
  const verdicts: MailSigner[] = [];
  for (const { result, role, signer } of accepted) {
    const packet = await signaturePacket(result);
    checkNotFuture(packet.created, ctx);
    try {
      await result.verified;
    } catch {
      throw refusal(
        'BAD_SIGNATURE',
        "The post's signature does not verify: the post was changed after signing, or the signing key is expired or revoked. Sign and send it again.",
      );
    }
    checkAge(packet.created, ctx);
    verdicts.push({
      role,
      id: signer.id,
      signerFingerprint: signer.key.getFingerprint().toUpperCase(),
      signatureDigest: digest(packet.signatureData, signedBytes),
      signedAt: packet.created,
    });
  }
  return verdicts[0];
}

/**
 * Verifies a detached signature (RFC 3156 §5) over the exact bytes of the signed part. Each
 * candidate (the part in CRLF form, then as received if that differs) is tried in the order
 * given; the first that verifies is the one signed.
 */
export async function acceptDetachedSignature(
  candidates: Buffer[],
  signatureBytes: Buffer,
  ctx: OpenContext,
): Promise<{ signer: MailSigner; signed: Buffer }> {
  let signature: Signature;
  try {
    const text = signatureBytes.toString('latin1');
    signature = text.includes('-----BEGIN PGP SIGNATURE-----')
      ? await readSignature({ armoredSignature: text, config: openpgpConfig })
      : await readSignature({ binarySignature: signatureBytes, config: openpgpConfig });
  } catch {
    throw unreadableSignature();
  }
  refuseTooManySignatures(signature.packets.length);
  let lastRefusal: unknown;
  for (const signed of candidates) {
    try {
      const { signatures } = await verify({
        message: await createMessage({ binary: signed }),
        signature,
        verificationKeys: signerKeys(ctx),
        format: 'binary',
        date: verificationDate(ctx),
        config: openpgpConfig,
      });
      return { signer: await acceptSignatures(signatures, signed, ctx), signed };
    } catch (error) {
      lastRefusal = error instanceof PostRefusal ? error : unreadableSignature();
    }
  }
  throw lastRefusal;
}

async function signaturePacket(result: SignatureResult): Promise<{ created: Date; signatureData: Uint8Array }> {
  const packet = (await result.signature).packets[0];
  if (!packet?.created || !packet.signatureData) throw unreadableSignature();
  return { created: packet.created, signatureData: packet.signatureData };
}

export const unreadableSignature = () =>
  refusal('BAD_SIGNATURE', "The post's signature cannot be read. Sign and send it again.");

function checkNotFuture(created: Date, ctx: OpenContext): void {
  if (created.getTime() > ctx.now.getTime() + CLOCK_SKEW_MS) {
    throw refusal(
      'SIGNATURE_TOO_OLD',
      "The post's signature is dated in the future. Check the clock of the computer that signed it, then sign and send it again.",
    );
  }
}

function checkAge(created: Date, ctx: OpenContext): void {
  if (ctx.maxAgeDays > 0 && ctx.now.getTime() - created.getTime() > ctx.maxAgeDays * DAY_MS) {
    throw refusal(
      'SIGNATURE_TOO_OLD',
      `The post's signature was made more than ${ctx.maxAgeDays} days ago, so it could be a replay. Sign and send it again.`,
    );
  }
}

function digest(signatureData: Uint8Array, signedBytes: Uint8Array): string {
  const signedDigest = createHash('sha256').update(signedBytes).digest();
  return createHash('sha256').update(signatureData).update(signedDigest).digest('hex');
}
