import { createMessage, encrypt, Key, PrivateKey, PublicKey } from 'openpgp';
import { openpgpConfig } from './openpgp-config';

/**
 * Signs `data` with `signer` and encrypts it to `recipient` alone, armored: the shape of every
 * message Cordon sends (docs/architecture.md, invariant 1: encrypted to exactly one recipient).
 */
export async function signAndEncrypt(data: Uint8Array | string, recipient: Key, signer: PrivateKey): Promise<string> {
  const message =
    typeof data === 'string' ? await createMessage({ text: data }) : await createMessage({ binary: data });
  return encrypt({
    message,
    encryptionKeys: recipient as PublicKey,
    signingKeys: signer,
    format: 'armored',
    config: openpgpConfig,
  });
}
