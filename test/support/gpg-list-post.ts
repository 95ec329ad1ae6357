import { createTransport } from 'nodemailer';
import { gpgPost } from './client-mail';
import { GpgHome } from './gpg';
import { RunningRelay } from './relay-app';

const LIST = 'distributors@example.org';

/** A maintainer whose mail client is gpg: its home and its signing key's fingerprint. */
export interface GpgMaintainer {
  email: string;
  gpg: GpgHome;
  fingerprint: string;
}

/**
 * Posts to the list as a maintainer's client does (signed by its gpg key, encrypted to the list
 * key), over SMTP to the relay's listener, and waits until the relay has handled it.
 */
export async function postAsMaintainer(
  relay: RunningRelay,
  maintainer: GpgMaintainer,
  listFingerprint: string,
  subject: string,
  text: string,
): Promise<void> {
  const raw = await gpgPost({
    from: { name: 'Lea Lead', address: maintainer.email },
    to: LIST,
    subject,
    text,
    gpg: maintainer.gpg,
    signerFingerprint: maintainer.fingerprint,
    listFingerprint,
  });
  const transport = createTransport({ host: '127.0.0.1', port: relay.smtpPort, secure: false, ignoreTLS: true });
  try {
    await transport.sendMail({ envelope: { from: maintainer.email, to: [LIST] }, raw });
  } finally {
    transport.close();
  }
  await relay.settle();
}
