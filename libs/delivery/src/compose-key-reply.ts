import MimeNode from 'nodemailer/lib/mime-node';

/**
 * The answer of `<list>-sendkey@`: the list's public key, as an `application/pgp-keys` part
 * (RFC 3156 §7). The only message Cordon sends unencrypted, since it goes to people whose key it
 * does not know yet and carries nothing secret: a fixed text and the public key.
 */
export async function composeKeyReply(mail: {
  from: { name: string; address: string };
  to: string;
  listAddress: string;
  publicKey: string;
  messageId: string;
  date: Date;
}): Promise<Buffer> {
  const options = { disableFileAccess: true, disableUrlAccess: true };
  const root = new MimeNode('multipart/mixed', options);
  root.setHeader({
    From: mail.from,
    To: mail.to,
    Subject: `OpenPGP key of ${mail.listAddress}`,
    Date: mail.date,
    'Message-ID': mail.messageId,
    'Auto-Submitted': 'auto-replied',
  });
  root
    .createChild('text/plain; charset=utf-8')
    .setContent(
      `The attached file is the OpenPGP public key of ${mail.listAddress}.\r\n` +
        'Encrypt posts and replies to the list with it, and a vulnerability report to\r\n' +
        `${reportAddress(mail.listAddress)}. Check its fingerprint with the maintainers\r\n` +
        'through another channel before you rely on it.\r\n',
    );
  root
    .createChild('application/pgp-keys', { filename: 'list-key.asc' })
    .setHeader('Content-Disposition', 'attachment; filename="list-key.asc"')
    .setContent(mail.publicKey.replace(/\r?\n/g, '\r\n'));
  return root.build();
}

/** Where vulnerability reports go (README "Vulnerability reports"): `<list>-report@<domain>`. */
function reportAddress(listAddress: string): string {
  const at = listAddress.lastIndexOf('@');
  return `${listAddress.slice(0, at)}-report${listAddress.slice(at)}`;
}
