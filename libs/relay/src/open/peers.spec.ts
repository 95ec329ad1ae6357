import { spawnSync } from 'node:child_process';
import { simpleParser } from 'mailparser';
import { PrivateKey, PublicKey, readKey } from 'openpgp';
import { GpgHome } from '../../../../test/support/gpg';
import {
  Attachment,
  gpgPost,
  openingContext,
  POST_SUBJECT,
  POST_TEXT,
  postingKeys,
  SqPeer,
  sqPost,
} from '../../../../test/support/client-mail';
import { openPost, PostRefusal } from './index';

// Posts made by the real tools maintainers use: GnuPG 2.2 (`gpg --sign --encrypt`) and Debian's
// Sequoia (`sq encrypt --signer-key`), with keys those tools generated.

const message = {
  from: { name: 'Jürgen Maintainer', address: 'maintainer@example.org' },
  to: 'distributors@example.org',
  subject: POST_SUBJECT,
  text: POST_TEXT,
};
const tarball: Attachment = {
  filename: 'libfoo-1.2.4.tar.gz',
  contentType: 'application/gzip',
  content: Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) % 256)),
};
const plain = (text: string | undefined) => (text ?? '').replace(/\r\n/g, '\n').trimEnd();

let listKey: PrivateKey;
let listArmored: string;
const gpg = GpgHome.create();
let gpgSigner: string;
let gpgMaintainer: PublicKey;
let gpgStranger: string;

beforeAll(async () => {
  ({ listKey, listArmored } = await postingKeys());
  await gpg.importKey(listArmored);
  gpgSigner = await gpg.generateKey('maintainer@example.org');
  gpgStranger = await gpg.generateKey('stranger@example.net');
  gpgMaintainer = await readKey({ armoredKey: await gpg.exportPublic(gpgSigner) });
}, 60_000);

afterAll(() => gpg.cleanup());

const context = (maintainers: PublicKey[]) => openingContext(listKey, maintainers);

/** A post by `gpg`, signed by `signer`, encrypted to the list key. */
const byGpg = (signerFingerprint: string, extra: { attachments?: Attachment[]; inline?: boolean } = {}) =>
  gpgPost({ gpg, signerFingerprint, listFingerprint: listKey.getFingerprint().toUpperCase(), ...message, ...extra });

/** A post by `sq`, signed by the maintainer's sq key, encrypted to the list key. */
const bySq = (sq: SqPeer, attachments?: Attachment[]) =>
  sqPost({ sq, signerEmail: 'maintainer@example.org', listCert: listArmored, ...message, attachments });

describe('posts made by gpg', () => {
  it('opens a PGP/MIME post with non-ASCII text and an attachment', async () => {
    const raw = await byGpg(gpgSigner, { attachments: [tarball] });

    const opened = await openPost(raw, context([gpgMaintainer]));

    expect(opened.signerFingerprint).toBe(gpgSigner);
    expect(opened.subject).toBe(POST_SUBJECT);
    const content = await simpleParser(opened.content);
    expect(plain(content.text)).toBe(plain(POST_TEXT));
    expect(content.attachments[0].content.equals(tarball.content)).toBe(true);
  });

  it('opens an inline post', async () => {
    const raw = await byGpg(gpgSigner, { inline: true });

    const opened = await openPost(raw, context([gpgMaintainer]));

    expect(opened.signerFingerprint).toBe(gpgSigner);
    expect(plain((await simpleParser(opened.content)).text)).toBe(plain(POST_TEXT));
  });

  it('refuses a post signed by a gpg key that is not a maintainer', async () => {
    const raw = await byGpg(gpgStranger);

    await expect(openPost(raw, context([gpgMaintainer]))).rejects.toMatchObject({ code: 'SIGNER_NOT_MAINTAINER' });
  });
});

describe('posts made by sq (Sequoia)', () => {
  const sq = SqPeer.create();
  let sqMaintainer: PublicKey;

  beforeAll(async () => {
    if (spawnSync('sq', ['--version']).error) throw new Error('These tests need Sequoia: apt-get install -y sq');
    sqMaintainer = await readKey({ armoredKey: await sq.generateKey('maintainer@example.org') });
  });

  afterAll(() => sq.cleanup());

  it('opens a PGP/MIME post signed and encrypted by sq, with an attachment', async () => {
    const raw = await bySq(sq, [tarball]);

    const opened = await openPost(raw, context([gpgMaintainer, sqMaintainer]));

    expect(opened.maintainerId).toBe('maintainer-2');
    expect(opened.signerFingerprint).toBe(sqMaintainer.getFingerprint().toUpperCase());
    const content = await simpleParser(opened.content);
    expect(plain(content.text)).toBe(plain(POST_TEXT));
    expect(content.attachments[0].content.equals(tarball.content)).toBe(true);
  });

  it('refuses an sq post when its signer is not a maintainer', async () => {
    const raw = await bySq(sq);

    await expect(openPost(raw, context([gpgMaintainer]))).rejects.toBeInstanceOf(PostRefusal);
    await expect(openPost(raw, context([gpgMaintainer]))).rejects.toMatchObject({ code: 'SIGNER_NOT_MAINTAINER' });
  });
});
