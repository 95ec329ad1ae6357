/**
 * A maintainer's post to the list, as its gpg makes it (PGP/MIME, encrypted to the list key and
 * signed), handed to the relay's SMTP listener on 127.0.0.1.
 */
import { createTransport } from 'nodemailer';
import { gpgPost } from './client-mail';
import { GpgHome } from './gpg';

export interface Poster {
  name: string;
  email: string;
  gpg: GpgHome;
  fingerprint: string;
}

/** Mails `raw` to the listener at `port`, from `from` to `to` (one SMTP transaction). */
export async function mailTo(port: number, raw: Buffer, from: string, to: string): Promise<void> {
  const transport = createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  try {
    await transport.sendMail({ envelope: { from, to: [to] }, raw });
  } finally {
    transport.close();
  }
}

/** Posts `subject` and `text` to `list` as `maintainer`, sealed for the list key `listFingerprint`. */
export async function postToList(
  port: number,
  post: { maintainer: Poster; list: string; listFingerprint: string; subject: string; text: string },
): Promise<void> {
  const { maintainer } = post;
  const raw = await gpgPost({
    from: { name: maintainer.name, address: maintainer.email },
    to: post.list,
    subject: post.subject,
    text: post.text,
    gpg: maintainer.gpg,
    signerFingerprint: maintainer.fingerprint,
    listFingerprint: post.listFingerprint,
  });
  await mailTo(port, raw, maintainer.email, post.list);
}
