import { PrivateKey } from 'openpgp';
import { anOpenpgpKey } from '../../../../test/support/keys';
import {
  aPost,
  cleartextSignedPost,
  compressionBombPost,
  deeplyNestedPost,
  encryptedToOtherKey,
  evolutionPost,
  inlinePost,
  keyPacketFloodPost,
  openingContext,
  plaintextPost,
  POST_TEXT,
  PostOptions,
  postingKeys,
  signedByStranger,
  signedOnlyInlinePost,
  signatureFloodPost,
  signedOnlyPost,
  thunderbirdPost,
  unsignedEncrypted,
  unterminatedBoundaryPost,
} from '../../../../test/support/client-mail';
import { armor, enums, PacketList, readSignature, Signature } from 'openpgp';
import {
  MAX_KEY_PACKETS,
  MAX_SIGNATURES,
  OpenContext,
  openPost,
  openSignedMail,
  PostRefusal,
  RefusalCode,
} from './index';

// Every post the list must not relay is refused with a stable code and a message that quotes
// nothing of it (docs/architecture.md, "Post", invariants 3 and 7). openPost is pure: a refusal changes nothing.

const DAY = 24 * 3600 * 1000;
let listKey: PrivateKey;
let maintainer: PrivateKey;
let stranger: PrivateKey;

beforeAll(async () => {
  ({ listKey, maintainer } = await postingKeys());
  stranger = (await anOpenpgpKey('stranger@example.net', 'Stranger')).privateKey;
});

const context = (over: { now?: Date; maxAgeDays?: number } = {}) =>
  openingContext(listKey, [maintainer.toPublic()], over);

const post = (over: Partial<PostOptions> = {}) => aPost(maintainer, listKey.toPublic(), over);

/** The refusal a post meets; its message must not quote the post. */
async function refusalOf(raw: Buffer, ctx = context()): Promise<PostRefusal> {
  const opened = openPost(raw, ctx);
  await expect(opened).rejects.toBeInstanceOf(PostRefusal);
  const refusal = (await opened.catch((error: unknown) => error)) as PostRefusal;
  const { subject } = post();
  for (const secret of [subject, 'Überlauf', 'parse_header', 'Dienstag']) expect(refusal.message).not.toContain(secret);
  return refusal;
}

const codeOf = async (raw: Buffer | Promise<Buffer>, ctx?: OpenContext): Promise<RefusalCode> =>
  (await refusalOf(await raw, ctx)).code;

describe('openPost refuses', () => {
  it('a plaintext post', async () => {
    expect(await codeOf(plaintextPost(post()))).toBe('NOT_ENCRYPTED');
  });

  it('a PGP/MIME post that is signed but not encrypted', async () => {
    expect(await codeOf(signedOnlyPost(post()))).toBe('NOT_ENCRYPTED');
  });

  it('an inline cleartext-signed post', async () => {
    expect(await codeOf(cleartextSignedPost(post()))).toBe('NOT_ENCRYPTED');
  });

  it('an inline OpenPGP message that is signed but not encrypted', async () => {
    expect(await codeOf(signedOnlyInlinePost(post()))).toBe('NOT_ENCRYPTED');
  });

  it('a post encrypted to another key than the list key', async () => {
    const other = (await anOpenpgpKey('someone-else@example.net')).privateKey;
    expect(await codeOf(encryptedToOtherKey({ ...post(), otherKey: other.toPublic() }))).toBe('NOT_FOR_LIST_KEY');
  });

  it('a post encrypted to the list key but not signed', async () => {
    expect(await codeOf(unsignedEncrypted(post()))).toBe('UNSIGNED');
  });

  it('a post signed by a key that is not a maintainer', async () => {
    expect(await codeOf(signedByStranger({ ...post(), stranger }))).toBe('SIGNER_NOT_MAINTAINER');
  });

  it('a post signed by a removed maintainer (no longer among the active maintainers)', async () => {
    const others = openingContext(listKey, [stranger.toPublic()]);
    expect(await codeOf(thunderbirdPost(post()), others)).toBe('SIGNER_NOT_MAINTAINER');
    expect(await codeOf(thunderbirdPost(post()), openingContext(listKey, []))).toBe('SIGNER_NOT_MAINTAINER');
  });

  it('an Evolution post whose signed part was changed by one byte after signing', async () => {
    expect(await evolutionPost(post()).then((raw) => openPost(raw, context()))).toBeTruthy();
    expect(await codeOf(evolutionPost({ ...post(), tamper: true }))).toBe('BAD_SIGNATURE');
  });

  it('a post signed longer ago than the maximum age, unless the check is off', async () => {
    const raw = await thunderbirdPost(post());
    const eightDaysLater = new Date(Date.now() + 8 * DAY);

    expect(await codeOf(raw, context({ now: eightDaysLater, maxAgeDays: 7 }))).toBe('SIGNATURE_TOO_OLD');
    await expect(openPost(raw, context({ now: eightDaysLater, maxAgeDays: 9 }))).resolves.toBeTruthy();
    await expect(openPost(raw, context({ now: eightDaysLater, maxAgeDays: 0 }))).resolves.toBeTruthy();
  });

  it('a post dated more than an hour in the future, even with the age check off', async () => {
    const raw = await thunderbirdPost(post({ date: new Date(Date.now() + 2 * 3600 * 1000) }));

    expect(await codeOf(raw)).toBe('SIGNATURE_TOO_OLD');
    expect(await codeOf(raw, context({ maxAgeDays: 0 }))).toBe('SIGNATURE_TOO_OLD');
  });

  it('but opens a post from a clock up to an hour fast', async () => {
    const raw = await thunderbirdPost(post({ date: new Date(Date.now() + 30 * 60 * 1000) }));
    await expect(openPost(raw, context())).resolves.toBeTruthy();
  });

  it('a PGP/MIME post whose multipart is never closed', async () => {
    expect(await codeOf(unterminatedBoundaryPost(post()))).toBe('MALFORMED_MIME');
  });

  it('a signed, encrypted post whose content nests 1000 multiparts deep', async () => {
    expect(await codeOf(deeplyNestedPost({ ...post(), depth: 1000 }))).toBe('MALFORMED_MIME');
  });

  it('a plaintext post nesting 1000 multiparts deep', async () => {
    expect(await codeOf(deeplyNestedPost({ ...post(), depth: 1000, plain: true }))).toBe('MALFORMED_MIME');
  });

  it('a decompression bomb (200 MiB of zeros, signed and compressed)', async () => {
    const raw = await compressionBombPost(post());
    expect(raw.length).toBeLessThan(2 * 1024 * 1024);
    expect(await codeOf(raw)).toBe('TOO_LARGE');
  }, 120_000);

  it('a PGP/MIME post whose encrypted part is not OpenPGP', async () => {
    const raw = (await thunderbirdPost(post())).toString('latin1');
    const broken = raw.replace(/-----BEGIN PGP MESSAGE-----[^]*-----END PGP MESSAGE-----/, 'not OpenPGP at all');
    expect(await codeOf(Buffer.from(broken, 'latin1'))).toBe('MALFORMED_MIME');
  });

  it('bytes that are not a mail at all', async () => {
    expect(await codeOf(Buffer.from([0x00, 0xff, 0x0a, 0x0d, 0x0a, 0x41]))).toBe('MALFORMED_MIME');
  });

  it('a PGP/MIME post wrapped in multipart/mixed with a plaintext part', async () => {
    const inner = await thunderbirdPost(post());
    const split = inner.indexOf('\r\n\r\n');
    const head = inner.subarray(0, split).toString('latin1');
    const entity = Buffer.concat([
      Buffer.from(head.replace(/^(?!Content-Type|\s)[^\r]*\r\n/gm, '')),
      inner.subarray(split),
    ]);
    const raw = Buffer.concat([
      Buffer.from('From: m@example.org\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary="w"\r\n\r\n--w\r\n'),
      entity,
      Buffer.from(`\r\n--w\r\nContent-Type: text/plain\r\n\r\n${POST_TEXT}\r\n--w--\r\n`),
    ]);
    expect(await codeOf(raw)).toBe('UNSUPPORTED');
  });

  it('inline PGP next to an unencrypted attachment', async () => {
    const inline = (await inlinePost({ ...post(), transferEncoding: '7bit', charset: 'utf-8' })).toString('latin1');
    const [head, body] = inline.split(/\r\n\r\n([^]*)/);
    const raw = [
      head.replace(/Content-Type: text\/plain[^\r]*/, 'Content-Type: multipart/mixed; boundary="b"'),
      '',
      '--b\r\nContent-Type: text/plain; charset=utf-8\r\n',
      `${body}\r\n--b\r\nContent-Type: text/plain; name="notes.txt"\r\n\r\n${POST_TEXT}\r\n--b--\r\n`,
    ].join('\r\n');
    expect(await codeOf(Buffer.from(raw, 'latin1'))).toBe('UNSUPPORTED');
  });
});

// Issue 10: what a stranger sends costs bounded work, decided before the costly part.
describe('openPost bounds the work a post costs', () => {
  const small = { bodyBytes: 16 * 1024 };

  it(`refuses a post encrypted to more than ${MAX_KEY_PACKETS} keys, unread`, async () => {
    const flood = keyPacketFloodPost({ ...post(), ...small, keyPackets: MAX_KEY_PACKETS + 1, sessionKeys: 'copies' });
    expect(await codeOf(flood)).toBe('TOO_MANY_KEY_PACKETS');
  });

  it(`opens a post with ${MAX_KEY_PACKETS} key packets`, async () => {
    const raw = await keyPacketFloodPost({ ...post(), ...small, keyPackets: MAX_KEY_PACKETS, sessionKeys: 'copies' });
    await expect(openPost(raw, context())).resolves.toBeTruthy();
  });

  it('tries one session key: the first key packet for the list key that opens decides', async () => {
    const flood = { ...post(), ...small, keyPackets: 3, sessionKeys: 'distinct' as const };
    // Three packets for the list key, each with its own session key: the first opens, and only
    // its session key is tried on the body, which the real one (here last) encrypted.
    expect(await codeOf(keyPacketFloodPost({ ...flood, real: 'last' }))).toBe('NOT_FOR_LIST_KEY');
    await expect(openPost(await keyPacketFloodPost({ ...flood, real: 'first' }), context())).resolves.toBeTruthy();
  });

  it(`refuses a post carrying more than ${MAX_SIGNATURES} signatures, none checked`, async () => {
    expect(await codeOf(signatureFloodPost({ ...post(), ...small, signatures: MAX_SIGNATURES + 1 }))).toBe(
      'TOO_MANY_SIGNATURES',
    );
  });

  it(`opens a post with ${MAX_SIGNATURES} copies of the maintainer's signature`, async () => {
    const raw = await signatureFloodPost({ ...post(), ...small, signatures: MAX_SIGNATURES });
    await expect(openPost(raw, context())).resolves.toBeTruthy();
  });

  it(`refuses signed-only mail whose detached signature holds more than ${MAX_SIGNATURES} signatures`, async () => {
    const raw = (await signedOnlyPost(post())).toString('latin1');
    const armored = /-----BEGIN PGP SIGNATURE-----[^]*?-----END PGP SIGNATURE-----/.exec(raw)![0];
    const [packet] = (await readSignature({ armoredSignature: armored })).packets;
    const many = new PacketList<typeof packet>();
    for (let i = 0; i <= MAX_SIGNATURES; i++) many.push(packet);
    const flood = armor(enums.armor.signature, new Signature(many).write());
    const opened = openSignedMail(Buffer.from(raw.replace(armored, flood.trimEnd()), 'latin1'), context(), 'optional');
    await expect(opened).rejects.toMatchObject({ code: 'TOO_MANY_SIGNATURES' });
  });
});
