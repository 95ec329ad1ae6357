/**
 * Reads what Cordon sent: the .eml files the delivery worker wrote under DATA_DIR/outbox, opened
 * by a real GnuPG peer. A message that is not PGP/MIME encrypted fails the test right here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { decrypt, PrivateKey, readMessage } from 'openpgp';
import { DataSource } from 'typeorm';
import { GpgHome } from './gpg';

export interface SentMail {
  file: string;
  raw: string;
  to: string;
  outerSubject: string;
}

export interface OpenedMail {
  subject: string;
  text: string;
  signerFingerprint?: string;
  goodSignature: boolean;
  recipients: string[];
}

export function sentMail(dataDir: string): SentMail[] {
  const dir = join(dataDir, 'outbox');
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.eml'))
      .sort();
  } catch {
    return [];
  }
  return files.map((file) => {
    const raw = readFileSync(join(dir, file), 'utf8');
    const to = /^To: *(.+)$/im.exec(raw)?.[1]?.trim() ?? '';
    const outerSubject = /^Subject: *(.+)$/im.exec(raw)?.[1]?.trim() ?? '';
    return { file, raw, to, outerSubject };
  });
}

export function mailTo(dataDir: string, address: string): SentMail[] {
  return sentMail(dataDir).filter((m) => m.to.toLowerCase().includes(address.toLowerCase()));
}

/** RFC 3156: multipart/encrypted with the armored message in the second part. */
export function armoredPart(raw: string): string {
  if (!/Content-Type: multipart\/encrypted;[\s\S]*?protocol="application\/pgp-encrypted"/i.test(raw)) {
    throw new Error('not a PGP/MIME encrypted message');
  }
  const match = /-----BEGIN PGP MESSAGE-----[\s\S]+?-----END PGP MESSAGE-----/.exec(raw);
  if (!match) throw new Error('no armored OpenPGP message inside');
  return match[0].replace(/\r\n/g, '\n');
}

export async function openMail(gpg: GpgHome, mail: SentMail): Promise<OpenedMail> {
  const opened = await gpg.decrypt(armoredPart(mail.raw));
  if (!opened.decrypted) throw new Error(`gpg could not decrypt ${mail.file}`);
  const inner = await simpleParser(opened.plaintext);
  return {
    subject: inner.subject ?? '',
    text: inner.text ?? '',
    signerFingerprint: opened.signerFingerprint,
    goodSignature: opened.goodSignature,
    recipients: opened.recipients,
  };
}

export function linkIn(text: string, pathPrefix: string): string {
  const match = new RegExp(`https?://[^\\s]+${pathPrefix.replace(/\//g, '\\/')}[^\\s]+`).exec(text);
  if (!match) throw new Error(`no ${pathPrefix} link in the mail`);
  return match[0];
}

/**
 * The token of the `pathPrefix` link in the newest queued mail of `purpose` to `to`, read from the
 * outbound queue and decrypted with the recipient's own key (only it can read the link).
 */
export async function tokenInQueuedMail(
  ds: DataSource,
  mail: { to: string; purpose: string; pathPrefix: string },
  secret: PrivateKey,
): Promise<string> {
  const [row] = (await ds.query(
    `SELECT raw FROM outbound_message WHERE recipient = $1 AND purpose = $2 ORDER BY created_at DESC LIMIT 1`,
    [mail.to, mail.purpose],
  )) as { raw: Buffer }[];
  const message = await readMessage({ armoredMessage: armoredPart(Buffer.from(row.raw).toString('utf8')) });
  const { data } = await decrypt({ message, decryptionKeys: secret, format: 'binary' });
  const inner = await simpleParser(Buffer.from(data as Uint8Array));
  const link = linkIn(inner.text ?? '', mail.pathPrefix);
  return link.slice(link.indexOf(mail.pathPrefix) + mail.pathPrefix.length);
}
