import { decryptForList } from './decrypt-for-list';
import { canonicalLineEnds, decodedBody, Entity, readEntity, splitMultipart, walkEntity } from './mime';
import { MailSigner, OpenContext } from './opened-post';
import { PostHeaders, readProtectedHeaders } from './post-headers';
import { Encryption, malformed, refusal, unsupported } from './post-refusal';
import { acceptDetachedSignature, acceptSignatures } from './signer';

/** What the encrypted body of a post yields, before its outer headers are merged in. */
export interface OpenedBody {
  signer: MailSigner;
  /** The signed entity, CRLF, to relay. */
  content: Buffer;
  /** Headers protected inside the encryption, if the client wrote any. */
  inner: PostHeaders;
}

/**
 * Opens a PGP/MIME message (RFC 3156 §4): multipart/encrypted with exactly two parts, the
 * `application/pgp-encrypted` control part and the `application/octet-stream` OpenPGP message.
 * Signed either inside the OpenPGP message (RFC 3156 §6.2, one-pass signature: Thunderbird,
 * mutt, gpg, sq) or as a multipart/signed entity inside the encryption (RFC 3156 §6.1: Evolution).
 */
export async function openPgpMime(outer: Entity, ctx: OpenContext, encryption: Encryption): Promise<OpenedBody> {
  const { data, signatures } = await decryptForList(pgpMimeCiphertext(outer), ctx, encryption);
  const payload = canonicalLineEnds(data);
  if (signatures.length > 0) return openedEntity(await acceptSignatures(signatures, data, ctx), payload);
  const root = readEntity(payload);
  if (root.contentType.mediaType === 'multipart/signed') return openNestedSigned(root, Buffer.from(data), ctx);
  throw refusal('UNSIGNED', 'The post is encrypted but not signed. Sign it with your own key as well.');
}

/**
 * The OpenPGP message of a PGP/MIME message (RFC 3156 §4), its structure checked: multipart/encrypted
 * with exactly two parts, the `application/pgp-encrypted` control part and the
 * `application/octet-stream` OpenPGP message, whose decoded body this returns.
 */
export function pgpMimeCiphertext(outer: Entity): Buffer {
  if (outer.contentType.params.get('protocol')?.toLowerCase() !== 'application/pgp-encrypted') {
    throw unsupported('The post is multipart/encrypted, but not with OpenPGP (RFC 3156 §4)');
  }
  const parts = splitMultipart(outer).map(readEntity);
  if (parts.length !== 2) throw malformed('A PGP/MIME message has exactly two parts (RFC 3156 §4)');
  const [control, encrypted] = parts;
  if (control.contentType.mediaType !== 'application/pgp-encrypted') {
    throw malformed('The first part of a PGP/MIME message must be application/pgp-encrypted (RFC 3156 §4)');
  }
  if (encrypted.contentType.mediaType !== 'application/octet-stream') {
    throw malformed('The second part of a PGP/MIME message must be application/octet-stream (RFC 3156 §4)');
  }
  return decodedBody(encrypted);
}

/**
 * RFC 3156 §5 inside the encryption (or as the whole message, where signed-only mail is taken):
 * multipart/signed with the signed entity first and an
 * `application/pgp-signature` part second. The signature is checked over the first part's bytes
 * as they stand between the boundaries, the CRLF before a boundary belonging to the boundary;
 * RFC 3156 §5 wants them in CRLF form, so if the payload came with bare LFs, the bytes as
 * received are tried as well.
 */
export async function openNestedSigned(root: Entity, received: Buffer, ctx: OpenContext): Promise<OpenedBody> {
  if (root.contentType.params.get('protocol')?.toLowerCase() !== 'application/pgp-signature') {
    throw unsupported('The post is signed inside the encryption, but not with OpenPGP (RFC 3156 §5)');
  }
  const parts = splitMultipart(root);
  if (parts.length !== 2) throw malformed('A multipart/signed entity has exactly two parts (RFC 1847 §2.1)');
  const signature = readEntity(parts[1]);
  if (signature.contentType.mediaType !== 'application/pgp-signature') {
    throw malformed('The second part of a multipart/signed entity must be application/pgp-signature (RFC 3156 §5)');
  }
  const candidates = [parts[0]];
  if (!received.equals(root.raw)) {
    const asReceived = splitMultipart(readEntity(received))[0];
    if (asReceived) candidates.push(asReceived);
  }
  const { signer } = await acceptDetachedSignature(candidates, decodedBody(signature), ctx);
  return openedEntity(signer, parts[0]);
}

/** The signed entity, checked whole (bounded depth and size) before anything is relayed. */
async function openedEntity(signer: MailSigner, content: Buffer): Promise<OpenedBody> {
  const root = walkEntity(content);
  return { signer, content, inner: await readProtectedHeaders(root) };
}
