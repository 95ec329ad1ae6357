import { config as defaults, enums, PartialConfig } from 'openpgp';

/**
 * The OpenPGP.js settings every call in Cordon uses. Explicit rather than the library's defaults:
 * a decompression bound (the default is unlimited), no v6 keys or AEAD packets in what we write
 * (GnuPG 2.2 reads neither), AES-256 for what we encrypt, and RSA below 3072 bits refused.
 */
export const MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

export const openpgpConfig: PartialConfig = {
  maxDecompressedMessageSize: MAX_DECOMPRESSED_BYTES,
  minRSABits: 3072,
  aeadProtect: false,
  v6Keys: false,
  preferredSymmetricAlgorithm: enums.symmetric.aes256,
  preferredHashAlgorithm: enums.hash.sha512,
  preferredCompressionAlgorithm: enums.compression.uncompressed,
  showVersion: false,
  showComment: false,
  rejectHashAlgorithms: new Set([...defaults.rejectHashAlgorithms]),
};
