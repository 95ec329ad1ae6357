import { simpleParser } from 'mailparser';
import { decrypt, readKey, readMessage } from 'openpgp';
import { GpgHome } from '../../../test/support/gpg';
import { anOpenpgpKey, TestKey } from '../../../test/support/keys';
import { composeEncryptedMail, newMessageId, PlainMail } from './compose-encrypted-mail';

/** The outer message split as RFC 2046 §5.1.1 describes: header, then parts between boundaries. */
function splitMultipart(raw: Buffer) {
  const text = raw.toString('latin1');
  const headerEnd = text.indexOf('\r\n\r\n');
  const header = text.slice(0, headerEnd).replace(/\r\n[ \t]+/g, ' ');
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(header)![1];
  const body = text.slice(headerEnd + 4);
  const parts = body.split(`\r\n--${boundary}`).slice(1);
  expect(parts.pop()).toMatch(/^--\r\n$/);
  return {
    header,
    parts: parts.map((part) => {
      const [head, ...rest] = part.replace(/^\r\n/, '').split('\r\n\r\n');
      return { head, body: rest.join('\r\n\r\n') };
    }),
  };
}

describe('composeEncryptedMail (RFC 3156 PGP/MIME, protected headers)', () => {
  const subject = 'Embargo: héap overflow in libwidget, CVE-2099-0001';
  const body = 'Patch attached.\nDo not share before 2099-01-01: secret-fix-token-42\n';
  let list: TestKey;
  let recipient: TestKey;
  let mail: PlainMail;
  let raw: Buffer;
  // The member's side: GnuPG 2.2 holding the member's secret key and the list's public key.
  const gpg = GpgHome.create();
  const seal = (m: PlainMail) =>
    composeEncryptedMail(m, { recipient: recipient.privateKey.toPublic(), signer: list.privateKey });

  beforeAll(async () => {
    list = await anOpenpgpKey('distributors@example.org', 'Embargoed distributors');
    recipient = await anOpenpgpKey('security@distro.example', 'Distro Security');
    mail = {
      from: { name: 'Embargoed distributors', address: 'distributors-owner@example.org' },
      to: 'security@distro.example',
      subject,
      text: body,
      messageId: newMessageId('example.org'),
      date: new Date('2099-01-01T12:00:00Z'),
    };
    raw = await seal(mail);
    await gpg.importKey(recipient.privateKey.armor());
    await gpg.importKey(list.publicKey);
  });
  afterAll(() => gpg.cleanup());

  it('is a multipart/encrypted message with the two parts of RFC 3156 §4', () => {
    const { header, parts } = splitMultipart(raw);
    expect(header).toMatch(/^Content-Type: multipart\/encrypted; protocol="application\/pgp-encrypted"; boundary=/m);
    expect(header).toMatch(/^MIME-Version: 1\.0$/m);
    expect(parts).toHaveLength(2);
    expect(parts[0].head).toMatch(/^Content-Type: application\/pgp-encrypted$/m);
    expect(parts[0].body).toBe('Version: 1\r\n');
    expect(parts[1].head).toMatch(/^Content-Type: application\/octet-stream; name="?encrypted\.asc"?$/m);
    expect(parts[1].head).toMatch(/^Content-Disposition: inline; filename="?encrypted\.asc"?$/m);
    expect(parts[1].body).toMatch(/^-----BEGIN PGP MESSAGE-----\r\n[\s\S]+-----END PGP MESSAGE-----\r\n$/);
  });

  it('parses as such with mailparser', async () => {
    const parsed = await simpleParser(raw);
    expect(parsed.headers.get('content-type')).toMatchObject({
      value: 'multipart/encrypted',
      params: { protocol: 'application/pgp-encrypted' },
    });
    expect(parsed.attachments.map((a) => a.contentType)).toEqual([
      'application/pgp-encrypted',
      'application/octet-stream',
    ]);
    expect(parsed.subject).toBe('...');
    expect(parsed.to).toMatchObject({ value: [{ address: 'security@distro.example' }] });
    expect(parsed.messageId).toBe(mail.messageId);
    expect(parsed.headers.get('auto-submitted')).toBe('auto-generated');
  });

  it('leaks neither the subject nor the body outside the encrypted part', () => {
    const outside = raw.toString('latin1').toLowerCase();
    for (const secret of ['CVE-2099-0001', 'libwidget', 'h=C3=A9ap', 'secret-fix-token-42', 'Patch attached']) {
      expect(outside).not.toContain(secret.toLowerCase());
    }
    expect(raw.toString('latin1')).toMatch(/^Subject: \.\.\.$/m);
  });

  it('uses CRLF line endings only, with lines of at most 78 characters (RFC 5322 §2.1.1)', () => {
    const text = raw.toString('latin1');
    expect(text).not.toMatch(/[^\r]\n/);
    expect(text).not.toMatch(/\r(?!\n)/);
    expect(Math.max(...text.split('\r\n').map((line) => line.length))).toBeLessThanOrEqual(78);
  });

  it('is encrypted to the one recipient key and nothing else', async () => {
    const message = await readMessage({ armoredMessage: splitMultipart(raw).parts[1].body });
    const ids = message.getEncryptionKeyIDs().map((id) => id.toHex());
    const recipientSubkey = (await recipient.privateKey.getEncryptionKey()).getKeyID().toHex();
    expect(ids).toEqual([recipientSubkey]);
  });

  it('decrypts with gpg, with a good signature by the list key, to the real subject and body', async () => {
    const opened = await gpg.decrypt(splitMultipart(raw).parts[1].body);
    expect(opened).toMatchObject({ decrypted: true, goodSignature: true, signerFingerprint: list.fingerprint });
    expect(opened.recipients).toHaveLength(1);
    const plaintext = opened.plaintext;
    const inner = plaintext.toString('latin1');
    expect(inner).toMatch(/^Content-Type: multipart\/mixed; protected-headers="v1";\r\n boundary="[^"]+"\r\n/);
    const parsed = await simpleParser(plaintext);
    expect(parsed.subject).toBe(subject);
    expect(parsed.from?.value[0]).toMatchObject({
      name: 'Embargoed distributors',
      address: 'distributors-owner@example.org',
    });
    expect(parsed.to).toMatchObject({ value: [{ address: 'security@distro.example' }] });
    expect(parsed.messageId).toBe(mail.messageId);
    expect(parsed.date?.toISOString()).toBe('2099-01-01T12:00:00.000Z');
    expect(parsed.text?.replace(/\r\n/g, '\n')).toBe(body);
  });

  it('keeps a long link whole in what gpg --decrypt prints (8bit text, never quoted-printable)', async () => {
    const link = `https://lists.example.org/member/sign-in/${'Zm9vYmFy'.repeat(12)}?next=/member/acknowledge`;
    const text = `Grüße. Follow this link to sign in:\n\n${link}\n`;
    const { plaintext } = await gpg.decrypt(splitMultipart(await seal({ ...mail, text })).parts[1].body);
    const printed = plaintext.toString('utf8');
    expect(printed).toContain('Content-Transfer-Encoding: 8bit');
    expect(printed.split('\r\n')).toContain(link);
    expect(printed).toContain('Grüße.');
    expect((await simpleParser(plaintext)).text?.replace(/\r\n/g, '\n')).toBe(text);
  });

  it('falls back to quoted-printable for a line longer than 998 octets, which 8bit cannot carry', async () => {
    const text = `${'x'.repeat(1200)}\n`;
    const { plaintext } = await gpg.decrypt(splitMultipart(await seal({ ...mail, text })).parts[1].body);
    expect(plaintext.toString('latin1')).toContain('Content-Transfer-Encoding: quoted-printable');
    expect((await simpleParser(plaintext)).text?.replace(/\r\n/g, '\n')).toBe(text);
  });

  it('keeps a subject carrying CR LF from starting a header of its own', async () => {
    const hostile = await seal({ ...mail, subject: 'hello\r\nBcc: eavesdropper@evil.example', text: 'x' });
    const { plaintext } = await gpg.decrypt(splitMultipart(hostile).parts[1].body);
    expect(plaintext.toString('latin1')).not.toMatch(/^Bcc:/im);
    expect(hostile.toString('latin1')).not.toMatch(/^Bcc:|eavesdropper/im);
  });

  it('signs with the list key so OpenPGP.js verifies it too', async () => {
    const result = await decrypt({
      message: await readMessage({ armoredMessage: splitMultipart(raw).parts[1].body }),
      decryptionKeys: recipient.privateKey,
      verificationKeys: await readKey({ armoredKey: list.publicKey }),
      expectSigned: true,
      format: 'binary',
    });
    expect(Buffer.from(result.data).toString()).toContain('protected-headers="v1"');
  });
});
