import { decrypt, DecryptMessageResult, enums, Message, readMessage } from 'openpgp';
import { openpgpConfig } from '@cordon/crypto';
import { OpenContext } from './opened-post';
import { malformed, refusal } from './post-refusal';
import { signerKeys, verificationDate } from './signer';

const ARMOR_BEGIN = '-----BEGIN PGP MESSAGE-----';

/** An OpenPGP message read from armored text (RFC 4880 §6.2) or binary packets. */
export async function readOpenpgpMessage(bytes: Buffer): Promise<Message<Uint8Array>> {
  try {
    const text = bytes.toString('latin1');
    return text.includes(ARMOR_BEGIN)
      ? ((await readMessage({ armoredMessage: text, config: openpgpConfig })) as Message<Uint8Array>)
      : await readMessage({ binaryMessage: bytes, config: openpgpConfig });
  } catch {
    throw malformed('The encrypted part of the post is not a readable OpenPGP message');
  }
}

export interface Decrypted {
  /** The literal data, exactly as signed (RFC 4880 §5.9). */
  data: Uint8Array;
  /** One-pass signatures inside the encryption (RFC 4880 §11.3), not yet checked. */
  signatures: DecryptMessageResult['signatures'];
}

/**
 * Decrypts with the list key, bounded in size. Signatures come back unchecked, so that the
 * caller can tell an unsigned message (which may hold a signed MIME entity, RFC 3156 §6.1)
 * from one signed by a stranger or a bad signature; `acceptSignatures` checks them, over the
 * literal data OpenPGP.js already read in full from the in-memory input.
 */
export async function decryptForList(message: Message<Uint8Array>, ctx: OpenContext): Promise<Decrypted> {
  const encrypted = message.packets.filterByTag(
    enums.packet.symEncryptedIntegrityProtectedData,
    enums.packet.aeadEncryptedData,
    enums.packet.symmetricallyEncryptedData,
  );
  if (encrypted.length === 0) {
    throw refusal(
      'NOT_ENCRYPTED',
      'The OpenPGP message in the post is not encrypted: list mail must be encrypted to the list key. Encrypt it and send it again.',
    );
  }
  const ours = ctx.listKey.getKeys().map((key) => key.getKeyID());
  // `equals(…, true)` also matches a wildcard key ID (an anonymous recipient, RFC 4880 §5.1).
  if (!message.getEncryptionKeyIDs().some((id) => ours.some((own) => own.equals(id, true)))) {
    throw notForListKey();
  }
  try {
    const { data, signatures } = await decrypt({
      message,
      decryptionKeys: ctx.listKey,
      verificationKeys: signerKeys(ctx),
      expectSigned: false,
      format: 'binary',
      date: verificationDate(ctx),
      config: openpgpConfig,
    });
    return { data, signatures };
  } catch (error) {
    if (error instanceof Error && /decompressed/i.test(error.message)) {
      throw refusal(
        'TOO_LARGE',
        'The post decompresses to more than Cordon accepts. Send a smaller post, or put large files on a server and send a link.',
      );
    }
    throw notForListKey();
  }
}

const notForListKey = () =>
  refusal(
    'NOT_FOR_LIST_KEY',
    "The post cannot be decrypted with the list key: it is encrypted to other keys, or damaged. Fetch the list's current key from the -sendkey address, encrypt to it and send again.",
  );
