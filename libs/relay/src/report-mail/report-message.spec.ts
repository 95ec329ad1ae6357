import { createMessage, encrypt, enums, PrivateKey } from 'openpgp';
import { openpgpConfig } from '@cordon/crypto';
import { anOpenpgpKey } from '../../../../test/support/keys';
import { attachmentPart, multipartBody, pgpMimeMessage, textPart } from '../../../../test/support/mime-building';
import { PostRefusal } from '../open/post-refusal';
import { readReportMessage, REPORT_MAX_DEPTH, REPORT_MAX_PARTS } from './report-message';

const MAX = 100_000;
const HEAD = [
  'From: "Rita Reporter" <rita@reporter.example>',
  'To: distributors-report@example.org',
  'Subject: Overflow in libfoo',
  'MIME-Version: 1.0',
].join('\r\n');

const mail = (entity: string, head = HEAD) => Buffer.from(`${head}\r\n${entity}`);
const mixed = (boundary: string, parts: string[], params = '') =>
  `Content-Type: multipart/mixed; boundary="${boundary}"${params}\r\n\r\n${multipartBody(boundary, parts)}`;

describe('reading a report mailed to -report', () => {
  let listKey: PrivateKey;
  let otherKey: PrivateKey;

  beforeAll(async () => {
    listKey = (await anOpenpgpKey('distributors@example.org')).privateKey;
    otherKey = (await anOpenpgpKey('someone-else@example.org')).privateKey;
  });

  const encrypted = async (data: Uint8Array | string, to = listKey, compress = false) =>
    encrypt({
      message: typeof data === 'string' ? await createMessage({ text: data }) : await createMessage({ binary: data }),
      encryptionKeys: to.toPublic(),
      config: compress ? { ...openpgpConfig, preferredCompressionAlgorithm: enums.compression.zlib } : openpgpConfig,
    });

  async function refusal(raw: Buffer): Promise<string> {
    const error = (await readReportMessage(raw, listKey, MAX).catch((e: unknown) => e)) as PostRefusal;
    expect(error).toBeInstanceOf(PostRefusal);
    return error.code;
  }

  it('reads plain mail: the sender, the subject and the text', async () => {
    const message = await readReportMessage(
      mail(textPart('It overflows.', 'quoted-printable', 'text/plain; charset=utf-8')),
      listKey,
      MAX,
    );
    expect(message).toMatchObject({
      from: { name: 'Rita Reporter', address: 'rita@reporter.example' },
      subject: 'Overflow in libfoo',
      text: 'It overflows.',
      attachments: [],
      keys: [],
      encrypted: false,
    });
  });

  it('prefers the text/plain rendition of multipart/alternative, and strips the tags of HTML alone', async () => {
    const alternative = `Content-Type: multipart/alternative; boundary="alt"\r\n\r\n${multipartBody('alt', [
      textPart('plain words', '8bit', 'text/plain'),
      textPart('<p>html <b>words</b></p>', '8bit', 'text/html'),
    ])}`;
    expect((await readReportMessage(mail(alternative), listKey, MAX)).text).toBe('plain words');
    const html = textPart('<p>only <script>alert(1)</script>html</p>', '8bit', 'text/html');
    expect((await readReportMessage(mail(html), listKey, MAX)).text).toBe('only html');
  });

  it('opens PGP/MIME encrypted to the list key, unsigned, with its protected subject, attachments and key', async () => {
    const key = (await anOpenpgpKey('rita@reporter.example')).publicKey;
    const inner = mixed(
      'in',
      [
        textPart('Secret details.', 'quoted-printable', 'text/plain; charset=utf-8'),
        attachmentPart({ filename: 'poc.c', contentType: 'text/x-csrc', content: Buffer.from('int main;') }),
        `Content-Type: application/pgp-keys\r\nContent-Disposition: attachment; filename="key.asc"\r\n\r\n${key}`,
        'Content-Type: application/pgp-signature\r\n\r\nnot a real signature',
      ],
      '; protected-headers="v1"\r\nSubject: The real subject',
    );
    const raw = pgpMimeMessage(HEAD.replace('Overflow in libfoo', '...'), await encrypted(inner), 'thunderbird');
    const message = await readReportMessage(raw, listKey, MAX);
    expect(message).toMatchObject({ subject: 'The real subject', text: 'Secret details.', encrypted: true });
    expect(message.attachments).toEqual([
      { filename: 'poc.c', contentType: 'text/x-csrc', bytes: Buffer.from('int main;') },
    ]);
    expect(message.keys.map((k) => k.toString())).toEqual([expect.stringContaining('BEGIN PGP PUBLIC KEY')]);
  });

  it('opens inline PGP in the text/plain body, keeping the outer subject', async () => {
    const armored = await encrypted('Grüße: a secret overflow.');
    const message = await readReportMessage(mail(textPart(armored, '8bit', 'text/plain; charset=utf-8')), listKey, MAX);
    expect(message).toMatchObject({
      subject: 'Overflow in libfoo',
      text: 'Grüße: a secret overflow.',
      encrypted: true,
    });
  });

  it('reads an Autocrypt header', async () => {
    const head = `${HEAD}\r\nAutocrypt: addr=rita@reporter.example; keydata=AAEC`;
    const message = await readReportMessage(mail(textPart('x', '8bit', 'text/plain'), head), listKey, MAX);
    expect(message.autocrypt).toEqual({ addr: 'rita@reporter.example', keydata: Buffer.from([0, 1, 2]) });
  });

  it('refuses mail encrypted to another key', async () => {
    const raw = pgpMimeMessage(HEAD, await encrypted('for someone else', otherKey), 'mutt');
    expect(await refusal(raw)).toBe('NOT_FOR_LIST_KEY');
  });

  it('refuses a decompression bomb, bounded by what a report may be', async () => {
    const raw = pgpMimeMessage(HEAD, await encrypted(new Uint8Array(4 * MAX), listKey, true), 'mutt');
    expect(raw.length).toBeLessThan(MAX);
    expect(await refusal(raw)).toBe('TOO_LARGE');
  });

  it(`refuses a MIME bomb: deeper than ${REPORT_MAX_DEPTH} levels, or more than ${REPORT_MAX_PARTS} parts`, async () => {
    let deep = textPart('x', '8bit', 'text/plain');
    for (let level = 0; level <= REPORT_MAX_DEPTH; level++) deep = mixed(`d${level}`, [deep]);
    expect(await refusal(mail(deep))).toBe('MALFORMED_MIME');
    const wide = mixed(
      'w',
      Array.from({ length: REPORT_MAX_PARTS }, () => textPart('x', '8bit', 'text/plain')),
    );
    expect(await refusal(mail(wide))).toBe('MALFORMED_MIME');
  });

  it('refuses broken MIME and two inline OpenPGP messages', async () => {
    expect(await refusal(mail('Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nnever closed\r\n'))).toBe(
      'MALFORMED_MIME',
    );
    const armored = await encrypted('a');
    const two = mixed('t', [textPart(armored, '8bit', 'text/plain'), textPart(armored, '8bit', 'text/plain')]);
    expect(await refusal(mail(two))).toBe('UNSUPPORTED');
  });
});
