import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** The first byte of what sealBytes makes: the format's version. */
const SEALED_BYTES_V1 = Buffer.from([1]);

/**
 * The server's own 32-byte secret, kept in a file outside the database (mode 0600), created on
 * first start. Everything else is derived from it with HKDF: the passphrase that encrypts the list
 * key at rest, the key that seals TOTP secrets, and the cookie-signing key. A copy of the database
 * alone therefore holds no usable secret.
 */
export class ServerSecret {
  private constructor(private readonly secret: Buffer) {}

  static loadOrCreate(file: string): ServerSecret {
    if (!existsSync(file)) {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    }
    chmodSync(file, 0o600);
    const secret = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (secret.length < 32) throw new Error(`${file} does not hold a 32-byte base64 secret`);
    return new ServerSecret(secret);
  }

  static fromBytes(secret: Buffer): ServerSecret {
    return new ServerSecret(secret);
  }

  derive(purpose: string, length = 32): Buffer {
    return Buffer.from(hkdfSync('sha256', this.secret, Buffer.alloc(0), `cordon:${purpose}`, length));
  }

  /** AES-256-GCM, for small secrets kept in the database (TOTP seeds). */
  seal(purpose: string, plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.derive(purpose), iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join('.');
  }

  /**
   * AES-256-GCM for bytes kept in the database that must never be there in the clear (a
   * vulnerability report, the raw mail it came in). `context` (a row's id) is bound in as
   * associated data, so a sealed value copied to another row does not open there. The result is
   * `version ‖ iv ‖ tag ‖ ciphertext`.
   */
  sealBytes(purpose: string, plaintext: Uint8Array, context: string): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.derive(purpose), iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([SEALED_BYTES_V1, iv, cipher.getAuthTag(), body]);
  }

  /** Opens what sealBytes made for the same purpose and context; throws on any change to it. */
  openBytes(purpose: string, sealed: Uint8Array, context: string): Buffer {
    const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
    if (bytes.length < 29 || bytes[0] !== SEALED_BYTES_V1[0]) throw new Error('not a sealed value');
    const decipher = createDecipheriv('aes-256-gcm', this.derive(purpose), bytes.subarray(1, 13));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(bytes.subarray(13, 29));
    return Buffer.concat([decipher.update(bytes.subarray(29)), decipher.final()]);
  }

  open(purpose: string, sealed: string): string {
    const [iv, tag, body] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'));
    const decipher = createDecipheriv('aes-256-gcm', this.derive(purpose), iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  }
}
