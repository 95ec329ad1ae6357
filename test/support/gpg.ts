/**
 * A GnuPG peer for tests: a throwaway GNUPGHOME where keys are made the way real members make
 * them (`gpg --quick-gen-key`), and where what Cordon sends is decrypted and verified by the same
 * GnuPG 2.2 that Debian users run. Every call is batch mode with an empty loopback passphrase, so
 * no pinentry ever prompts; `cleanup()` stops this home's agent and removes the directory.
 * Keys live in the temp directory only, never in the repository.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type GpgAlgo =
  | 'ed25519'
  | 'rsa2048'
  | 'rsa3072'
  | 'rsa4096'
  // Curves GnuPG makes keys on and Cordon refuses (libs/crypto/src/key-policy.ts).
  | 'brainpoolP256r1'
  | 'brainpoolP384r1'
  | 'brainpoolP512r1'
  | 'secp256k1';

export interface GpgKeyOptions {
  algo?: GpgAlgo;
  /** GnuPG's expiry syntax: '0' (never, the default), '1d', '2y', an ISO date. */
  expire?: string;
  /** Add an encryption subkey (cv25519, or RSA of the same size). Default true. */
  encrypt?: boolean;
  /** Make every self-signature with SHA-1, as GnuPG did before 2.2-ish defaults changed. */
  sha1?: boolean;
  /** Pretend the key was made at this time (`--faked-system-time`, e.g. '20200101T000000'). */
  madeAt?: string;
  /** A full user ID; default `Test <email>`. */
  userId?: string;
  /** Protect the secret key with this passphrase (default: none). */
  passphrase?: string;
}

export interface GpgResult {
  code: number;
  stdout: Buffer;
  stderr: string;
  /** The `[GNUPG:]` lines of `--status-fd`, without that prefix. */
  status: string[];
}

export interface Opened {
  plaintext: Buffer;
  /** The primary-key fingerprint of the signer (VALIDSIG), when a signature verified. */
  signerFingerprint?: string;
  goodSignature: boolean;
  decrypted: boolean;
  /** Long key IDs the message was encrypted to (ENC_TO). */
  recipients: string[];
}

const ENCRYPTION_ALGO: Record<GpgAlgo, string> = {
  ed25519: 'cv25519',
  rsa2048: 'rsa2048',
  rsa3072: 'rsa3072',
  rsa4096: 'rsa4096',
  brainpoolP256r1: 'brainpoolP256r1',
  brainpoolP384r1: 'brainpoolP384r1',
  brainpoolP512r1: 'brainpoolP512r1',
  secp256k1: 'secp256k1',
};

export class GpgHome {
  private constructor(readonly dir: string) {}

  static create(): GpgHome {
    return new GpgHome(mkdtempSync(join(tmpdir(), 'cordon-gpg-')));
  }

  /** Runs gpg in this home; status lines come back on fd 3. Never throws on a non-zero exit. */
  run(args: string[], input?: string | Uint8Array): Promise<GpgResult> {
    const base = ['--homedir', this.dir, '--batch', '--no-tty', '--pinentry-mode', 'loopback', '--passphrase', ''];
    const child = spawn('gpg', [...base, '--status-fd', '3', ...args], { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
    const collect = (stream: NodeJS.ReadableStream | null) => {
      const chunks: Buffer[] = [];
      stream?.on('data', (chunk: Buffer) => chunks.push(chunk));
      return chunks;
    };
    const [out, err, status] = [
      collect(child.stdout),
      collect(child.stderr),
      collect(child.stdio[3] as NodeJS.ReadableStream),
    ];
    // gpg may exit without reading its input (a failed command): its exit code says so, not EPIPE.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
    return new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) =>
        resolve({
          code: code ?? -1,
          stdout: Buffer.concat(out),
          stderr: Buffer.concat(err).toString('utf8'),
          status: Buffer.concat(status)
            .toString('utf8')
            .split('\n')
            .filter((line) => line.startsWith('[GNUPG:] '))
            .map((line) => line.slice('[GNUPG:] '.length)),
        }),
      );
    });
  }

  /** Like run, but a non-zero exit is an error carrying gpg's own explanation. */
  async must(args: string[], input?: string | Uint8Array): Promise<GpgResult> {
    const result = await this.run(args, input);
    if (result.code !== 0) throw new Error(`gpg ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
    return result;
  }

  /** Makes a key as `gpg --quick-gen-key` does; returns its fingerprint (uppercase hex). */
  async generateKey(email: string, options: GpgKeyOptions = {}): Promise<string> {
    const algo = options.algo ?? 'ed25519';
    const expire = options.expire ?? '0';
    const extra = [
      ...(options.sha1 ? ['--cert-digest-algo', 'SHA1', '--allow-weak-key-signatures'] : []),
      // Frozen (the `!`): a running fake clock would let the primary key, made by one gpg process
      // under load, come out later than the subkey the next process makes ("Time conflict").
      ...(options.madeAt ? ['--faked-system-time', `${options.madeAt.replace(/!$/, '')}!`] : []),
      // A later --passphrase overrides the empty one every call starts with.
      ...(options.passphrase ? ['--passphrase', options.passphrase] : []),
    ];
    const userId = options.userId ?? `Test <${email}>`;
    const made = await this.must([...extra, '--quick-gen-key', userId, algo, 'cert,sign', expire]);
    // KEY_CREATED <type> <fingerprint>
    const created = made.status.find((line) => line.startsWith('KEY_CREATED '));
    if (!created) throw new Error(`gpg made no key for ${email}`);
    const fingerprint = created.split(' ')[2];
    if (options.encrypt ?? true) {
      await this.must([...extra, '--quick-add-key', fingerprint, ENCRYPTION_ALGO[algo], 'encr', expire]);
    }
    return fingerprint;
  }

  /** A key whose self-signatures (user ID and subkey binding) are SHA-1 (digest algo 2). */
  sha1Key(email: string, options: GpgKeyOptions = {}): Promise<string> {
    return this.generateKey(email, { ...options, sha1: true });
  }

  /** A key that can sign but has no encryption subkey. */
  signOnlyKey(email: string, options: GpgKeyOptions = {}): Promise<string> {
    return this.generateKey(email, { ...options, encrypt: false });
  }

  /**
   * A key that expired long ago: made with the clock at 2020-01-01 and valid for a day (GnuPG
   * refuses to set an expiry in the past on a key made now).
   */
  expiredKey(email: string, options: GpgKeyOptions = {}): Promise<string> {
    return this.generateKey(email, { ...options, madeAt: '20200101T000000', expire: '1d' });
  }

  /** Sets a new expiry on the primary key (and, with subkeys, on all subkeys). */
  async setExpiry(fingerprint: string, expire: string, subkeys = true): Promise<void> {
    await this.must(['--quick-set-expire', fingerprint, expire]);
    if (subkeys) await this.must(['--quick-set-expire', fingerprint, expire, '*']);
  }

  /**
   * Runs every `gpg …` command quoted in backticks in a refusal message, as its reader would paste
   * them into a shell: proves the advice Cordon gives actually fixes the key.
   */
  async followAdvice(message: string): Promise<string[]> {
    const commands = [...message.matchAll(/`gpg ([^`]+)`/g)].map((m) => m[1]);
    for (const command of commands) {
      await this.must(command.split(/\s+/).map((word) => word.replace(/^'(.*)'$/, '$1')));
    }
    return commands;
  }

  /** Revokes the key with the certificate GnuPG stored when it made the key. */
  async revoke(fingerprint: string): Promise<void> {
    const stored = readFileSync(join(this.dir, 'openpgp-revocs.d', `${fingerprint}.rev`), 'utf8');
    // GnuPG puts a colon before the armor line so the file cannot be imported by accident.
    await this.importKey(stored.replace(/^:-----BEGIN/m, '-----BEGIN'));
  }

  async importKey(key: string | Uint8Array): Promise<void> {
    await this.must(['--import'], key);
  }

  exportPublic(fingerprint: string, armored?: true): Promise<string>;
  exportPublic(fingerprint: string, armored: false): Promise<Buffer>;
  async exportPublic(fingerprint: string, armored = true): Promise<string | Buffer> {
    const { stdout } = await this.must([...(armored ? ['--armor'] : []), '--export', fingerprint]);
    if (stdout.length === 0) throw new Error(`gpg has no key ${fingerprint}`);
    return armored ? stdout.toString('utf8') : stdout;
  }

  /** The secret key, armored, protected as it was generated (pass its passphrase, if any). */
  async exportSecret(fingerprint: string, passphrase = ''): Promise<string> {
    const { stdout } = await this.must(['--passphrase', passphrase, '--armor', '--export-secret-keys', fingerprint]);
    if (stdout.length === 0) throw new Error(`gpg has no secret key ${fingerprint}`);
    return stdout.toString('utf8');
  }

  /** Decrypts and/or verifies a message, reading GnuPG's status lines rather than its prose. */
  async decrypt(message: string | Uint8Array): Promise<Opened> {
    const result = await this.run(['--decrypt'], message);
    const has = (keyword: string) => result.status.some((line) => line.split(' ')[0] === keyword);
    // VALIDSIG <fpr> <date> <ts> <expire> <version> <reserved> <pk-algo> <hash-algo> <class> <primary-fpr>
    const valid = result.status.find((line) => line.startsWith('VALIDSIG '))?.split(' ');
    const goodSignature = has('GOODSIG') && !!valid && !has('BADSIG') && !has('ERRSIG');
    return {
      plaintext: result.stdout,
      signerFingerprint: goodSignature && valid ? (valid[10] ?? valid[1]) : undefined,
      goodSignature,
      decrypted: has('DECRYPTION_OKAY'),
      recipients: result.status.filter((line) => line.startsWith('ENC_TO ')).map((line) => line.split(' ')[1]),
    };
  }

  /** Signs with `signer` and encrypts to `recipients`, as a maintainer's `gpg -se` would. */
  async encryptAndSign(data: string | Uint8Array, recipients: string[], signer: string): Promise<string> {
    const to = recipients.flatMap((fpr) => ['--recipient', fpr]);
    // Imported keys carry no owner trust here; the test decides whom to trust, not gpg.
    const { stdout } = await this.must(
      ['--trust-model', 'always', '--armor', '--sign', '--encrypt', '--local-user', signer, ...to],
      data,
    );
    return stdout.toString('utf8');
  }

  /** `gpg --list-packets`, for asserting on digest algorithms and key packets. */
  async listPackets(data: string | Uint8Array): Promise<string> {
    const { stdout } = await this.run(['--list-packets'], data);
    return stdout.toString('utf8');
  }

  async cleanup(): Promise<void> {
    await new Promise<void>((resolve) => {
      const kill = spawn('gpgconf', ['--homedir', this.dir, '--kill', 'all'], { stdio: 'ignore' });
      kill.on('error', () => resolve());
      kill.on('close', () => resolve());
    });
    rmSync(this.dir, { recursive: true, force: true });
  }
}
