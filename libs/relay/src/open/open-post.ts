import { hasArmoredMessage, openInline } from './inline-pgp';
import { decodedBody, Entity, readEntity, splitMultipart, walkEntity } from './mime';
import { OpenContext, OpenedPost } from './opened-post';
import { OpenedBody, openPgpMime } from './pgp-mime';
import { mergeHeaders, readPostHeaders } from './post-headers';
import { malformed, PostRefusal, refusal, unsupported } from './post-refusal';

/**
 * Opens a post mailed to the list (DESIGN.md "Post"): decrypts it with the list key, checks that
 * an active maintainer signed it recently, over the exact signed bytes, and returns the signed
 * MIME entity with its real headers. Anything else is a `PostRefusal`; an error of any other kind
 * while reading becomes one too, so a post is either opened whole or refused, never half read.
 */
export async function openPost(raw: Buffer, ctx: OpenContext): Promise<OpenedPost> {
  try {
    const message = readEntity(raw);
    const { signer, content, inner } = await openBody(message, ctx);
    const headers = mergeHeaders(await readPostHeaders(message), inner);
    return { ...signer, ...headers, content };
  } catch (error) {
    if (error instanceof PostRefusal) throw error;
    throw malformed('The post could not be read');
  }
}

function openBody(message: Entity, ctx: OpenContext): Promise<OpenedBody> {
  switch (message.contentType.mediaType) {
    case 'multipart/encrypted':
      return openPgpMime(message, ctx);
    case 'multipart/signed':
      throw refusal(
        'NOT_ENCRYPTED',
        'The post is signed but not encrypted: list mail must be encrypted to the list key. Encrypt it and send it again.',
      );
    case 'text/plain':
    case 'application/pgp': // an older label for inline PGP, still sent by some clients
      return openInline(message, ctx);
    default:
      return openInsideMultipart(message, ctx);
  }
}

/**
 * Anything else is refused, with the reason that helps, except inline PGP sent with an HTML
 * rendition (multipart/alternative, as webmail with an OpenPGP extension sends it), opened from
 * its text/plain part, the renditions dropped. OpenPGP further down a multipart would leave
 * other parts unencrypted or unsigned, and is not supported; no OpenPGP at all is plaintext.
 */
function openInsideMultipart(message: Entity, ctx: OpenContext): Promise<OpenedBody> {
  let openpgpInside = false;
  walkEntity(message.raw, (entity, depth) => {
    const { mediaType } = entity.contentType;
    const leaf = !mediaType.startsWith('multipart/');
    if (depth > 0 && (mediaType === 'multipart/encrypted' || mediaType === 'application/pgp-encrypted')) {
      openpgpInside = true;
    } else if (leaf && (depth === 0 || mediaType.startsWith('text/')) && hasArmoredMessage(decodedText(entity))) {
      openpgpInside = true;
    }
  });
  if (message.contentType.mediaType === 'multipart/alternative') {
    const parts = splitMultipart(message).map(readEntity);
    const armored = parts.filter(
      (part) => part.contentType.mediaType === 'text/plain' && hasArmoredMessage(decodedText(part)),
    );
    if (armored.length === 1 && parts.every((part) => part.contentType.mediaType.startsWith('text/'))) {
      return openInline(armored[0], ctx);
    }
  }
  if (openpgpInside) {
    throw unsupported(
      'The post carries OpenPGP content in a form Cordon does not read: only a whole PGP/MIME message, or inline PGP as its text/plain body',
    );
  }
  throw refusal(
    'NOT_ENCRYPTED',
    'The post is not encrypted: list mail must be encrypted to the list key and signed. Encrypt it and send it again.',
  );
}

function decodedText(entity: Entity): string {
  try {
    return decodedBody(entity).toString('latin1');
  } catch {
    return '';
  }
}
