import { simpleParser } from 'mailparser';
import { PrivateKey } from 'openpgp';
import { anOpenpgpKey } from '../../../../test/support/keys';
import {
  aPost,
  Attachment,
  evolutionPost,
  inlinePost,
  muttPost,
  openingContext,
  POST_SUBJECT as SUBJECT,
  POST_TEXT as TEXT,
  PostOptions,
  postingKeys,
  replayedPost,
  thunderbirdPost,
} from '../../../../test/support/client-mail';
import { openPost } from './index';

// Posts shaped as each client makes them open whole: the real subject and sender, non-ASCII
// text, attachments byte for byte, and the maintainer as the signer (issue 4 "Opening a post").

/** The same in what ISO-8859-1 can say (it has no en dash). */
const LATIN1_TEXT = 'Grüße,\nein Überlauf in parse_header(), bitte bis Dienstag nicht veröffentlichen.\n';
const pdf: Attachment = {
  filename: 'advisory.pdf',
  contentType: 'application/pdf',
  content: Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 256))]),
};
const patch: Attachment = {
  filename: 'fix.patch',
  contentType: 'text/x-diff',
  content: Buffer.from('--- a/parse.c\n+++ b/parse.c\n@@ -1 +1 @@\n-len\n+len - 1\n'),
};

let listKey: PrivateKey;
let maintainer: PrivateKey;

beforeAll(async () => ({ listKey, maintainer } = await postingKeys()));

const context = (over: { now?: Date; maxAgeDays?: number } = {}) =>
  openingContext(listKey, [maintainer.toPublic()], over);

const post = (over: Partial<PostOptions> = {}) => aPost(maintainer, listKey.toPublic(), over);

/** The text as a reader sees it: line ends normalised, no trailing line break. */
const plain = (text: string | undefined) => (text ?? '').replace(/\r\n/g, '\n').trimEnd();

describe('openPost opens posts as clients make them', () => {
  it('opens a Thunderbird post: protected headers, UTF-8 text, attachments byte for byte', async () => {
    const raw = await thunderbirdPost({ ...post(), attachments: [pdf, patch] });
    expect(raw.toString()).toContain('Subject: ...\r\n');

    const opened = await openPost(raw, context());

    expect(opened.subject).toBe(SUBJECT);
    expect(opened.from).toBe('"Jürgen Maintainer" <maintainer@example.org>');
    expect(opened.maintainerId).toBe('maintainer-1');
    expect(opened.signerFingerprint).toBe(maintainer.getFingerprint().toUpperCase());
    expect(opened.date).toBeInstanceOf(Date);
    expect(opened.messageId).toMatch(/^<[0-9a-f]+@example\.org>$/);
    expect(opened.signatureDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(opened.content.toString('latin1')).not.toMatch(/(?<!\r)\n/);
    const content = await simpleParser(opened.content);
    expect(content.subject).toBe(SUBJECT);
    expect(plain(content.text)).toBe(plain(TEXT));
    expect(content.attachments.map((a) => [a.filename, a.contentType])).toEqual([
      ['advisory.pdf', 'application/pdf'],
      ['fix.patch', 'text/x-diff'],
    ]);
    expect(content.attachments[0].content.equals(pdf.content)).toBe(true);
    expect(content.attachments[1].content.equals(patch.content)).toBe(true);
  });

  it('opens a mutt post: one OpenPGP message, text/plain 8bit with LF line ends, real outer subject', async () => {
    const opened = await openPost(await muttPost(post()), context());

    expect(opened.subject).toBe(SUBJECT);
    expect(opened.maintainerId).toBe('maintainer-1');
    expect(opened.content.toString('latin1')).not.toMatch(/(?<!\r)\n/);
    const content = await simpleParser(opened.content);
    expect(plain(content.text)).toBe(plain(TEXT));
  });

  it('opens a mutt post in ISO-8859-1 (mutt picks it when the text fits), subject and text intact', async () => {
    const subject = 'Sicherheitslücke: Überlauf in libfoo';
    const raw = await muttPost(post({ subject, text: LATIN1_TEXT }));
    expect(raw.toString('latin1')).toContain('Subject: =?iso-8859-1?B?');

    const opened = await openPost(raw, context());

    expect(opened.subject).toBe(subject);
    expect(opened.content.toString('latin1')).toContain('Content-Type: text/plain; charset=iso-8859-1');
    expect(opened.content.toString('latin1')).toContain('Überlauf');
    expect(plain((await simpleParser(opened.content)).text)).toBe(plain(LATIN1_TEXT));
  });

  it('opens a mutt post with an attachment', async () => {
    const opened = await openPost(await muttPost({ ...post(), attachments: [pdf] }), context());

    const content = await simpleParser(opened.content);
    expect(plain(content.text)).toBe(plain(TEXT));
    expect(content.attachments[0].content.equals(pdf.content)).toBe(true);
  });

  it('opens an Evolution post (encrypted multipart/signed, RFC 3156 §6.1): content is the signed part', async () => {
    const raw = await evolutionPost({ ...post(), attachments: [pdf] });

    const opened = await openPost(raw, context());

    expect(opened.subject).toBe(SUBJECT);
    expect(opened.signerFingerprint).toBe(maintainer.getFingerprint().toUpperCase());
    expect(opened.content.toString('latin1')).toMatch(/^Content-Type: multipart\/mixed; boundary=/);
    expect(opened.content.toString('latin1')).not.toContain('application/pgp-signature');
    const content = await simpleParser(opened.content);
    expect(plain(content.text)).toBe(plain(TEXT));
    expect(content.attachments).toHaveLength(1);
    expect(content.attachments[0].content.equals(pdf.content)).toBe(true);
  });

  it.each([
    ['quoted-printable', 'utf-8'],
    ['7bit', 'utf-8'],
    ['base64', 'utf-8'],
    ['quoted-printable', 'iso-8859-1'],
    ['base64', 'iso-8859-1'],
  ] as const)('opens inline PGP in %s, %s, as a UTF-8 text/plain entity', async (transferEncoding, charset) => {
    const text = charset === 'utf-8' ? TEXT : LATIN1_TEXT;
    const raw = await inlinePost({ ...post({ text }), transferEncoding, charset });

    const opened = await openPost(raw, context());

    expect(opened.subject).toBe(SUBJECT);
    expect(opened.from).toBe('"Jürgen Maintainer" <maintainer@example.org>');
    expect(opened.maintainerId).toBe('maintainer-1');
    expect(opened.content.toString('latin1')).toMatch(/^Content-Type: text\/plain; charset=utf-8\r\n/);
    const content = await simpleParser(opened.content);
    expect(plain(content.text)).toBe(plain(text));
  });

  it('opens inline PGP sent with an HTML rendition (multipart/alternative) from its text/plain part', async () => {
    const raw = await inlinePost({ ...post(), transferEncoding: 'quoted-printable', charset: 'utf-8', html: true });
    expect(raw.toString('latin1')).toContain('Content-Type: multipart/alternative');

    const opened = await openPost(raw, context());

    expect(opened.maintainerId).toBe('maintainer-1');
    expect(plain((await simpleParser(opened.content)).text)).toBe(plain(TEXT));
  });

  it('opens inline PGP that was cleartext-signed, then encrypted', async () => {
    const raw = await inlinePost({ ...post(), transferEncoding: '7bit', charset: 'utf-8', clearsignFirst: true });

    const opened = await openPost(raw, context());

    expect(opened.maintainerId).toBe('maintainer-1');
    expect(plain((await simpleParser(opened.content)).text)).toBe(plain(TEXT));
  });

  it('says whether the headers it returns were signed (protected headers) or only outside', async () => {
    expect((await openPost(await thunderbirdPost(post()), context())).headersSigned).toBe(true);
    expect((await openPost(await muttPost(post()), context())).headersSigned).toBe(false);
    expect((await openPost(await evolutionPost(post()), context())).headersSigned).toBe(false);
  });

  it('gives the same signature digest each time the same post is opened, another for another post', async () => {
    const raw = await thunderbirdPost(post());
    const first = await openPost(raw, context());
    const again = await openPost(raw, context());
    const other = await openPost(await thunderbirdPost(post()), context());

    expect(again.signatureDigest).toBe(first.signatureDigest);
    expect(other.signatureDigest).not.toBe(first.signatureDigest);
  });

  it('gives a replay, the same signature encrypted again to the list key, the digest of the original', async () => {
    const original = await thunderbirdPost(post());
    const replay = await replayedPost({ original, heldKey: maintainer, listKey: listKey.toPublic() });
    expect(replay.equals(original)).toBe(false);

    const [first, second] = [await openPost(original, context()), await openPost(replay, context())];

    expect(second.signatureDigest).toBe(first.signatureDigest);
  });

  it('reports when the post was signed, and opens an old post when the age check is off', async () => {
    const signedAt = new Date();
    const raw = await thunderbirdPost(post());
    const weeksLater = new Date(Date.now() + 30 * 24 * 3600 * 1000);

    const opened = await openPost(raw, context({ now: weeksLater, maxAgeDays: 0 }));

    expect(Math.abs(opened.signedAt.getTime() - signedAt.getTime())).toBeLessThan(1000);
  });

  it('names the maintainer whose key signed, among several', async () => {
    const other = (await anOpenpgpKey('other-maintainer@example.org')).privateKey;
    const ctx = openingContext(listKey, [other.toPublic(), maintainer.toPublic()]);

    const opened = await openPost(await thunderbirdPost(post()), ctx);

    expect(opened.maintainerId).toBe('maintainer-2');
  });
});
