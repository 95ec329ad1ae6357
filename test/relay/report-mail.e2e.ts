/**
 * Vulnerability reports mailed to `<list>-report@` (issue 13), over the real SMTP ingress, with
 * real GnuPG reporters: one encrypted with `gpg --encrypt` to the list key (PGP/MIME, its key and a
 * proof of concept attached inside), one in plain text. Both are filed as reports; a canary from
 * each is nowhere in the clear: not in any table, not in what went out, not in the logs. Hostile
 * mail (a MIME bomb, a decompression bomb, too large, encrypted to another key, a bad key) is
 * refused, or filed without the key, and files nothing it should not.
 */
import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { simpleParser } from 'mailparser';
import { createTransport } from 'nodemailer';
import { ListKey } from '@cordon/crypto';
import { ReportQueries } from '@cordon/reports';
import { everyRowAsText } from '../support/clear-text';
import { domainBeside } from '../support/domain-context';
import { aMaintainer } from '../support/factories';
import { GpgHome } from '../support/gpg';
import { armoredPart } from '../support/mailbox';
import { attachmentPart, base64Lines, crlf, multipartBody, pgpMimeMessage, textPart } from '../support/mime-building';
import { RunningRelay, startRelay } from '../support/relay-app';
import { ReceivedMail } from '../support/smtp-sink';

const REPORT = 'distributors-report@example.org';
/** Small, so that "too large" is quick to send; a real report fits many times over. */
const MAX_BYTES = 200_000;

jest.setTimeout(120_000);

describe('vulnerability reports by mail', () => {
  let relay: RunningRelay;
  let listFpr: string;
  const homes: GpgHome[] = [];
  const logged: string[] = [];
  const db = () => relay.runtime.database.dataSource;
  const maintainer = { email: 'lea@project.example', gpg: GpgHome.create() };

  const home = () => {
    const gpg = GpgHome.create();
    homes.push(gpg);
    return gpg;
  };

  beforeAll(async () => {
    // Everything the service logs, at any level, whether or not the test's logger prints it.
    for (const level of ['log', 'warn', 'error', 'debug', 'verbose'] as const) {
      jest.spyOn(Logger.prototype, level).mockImplementation((...args: unknown[]) => {
        logged.push(args.map(String).join(' '));
      });
    }
    relay = await startRelay({ REPORT_MAX_BYTES: String(MAX_BYTES) });
    const listArmored = await relay.app.get(ListKey).armoredPublicKey();
    listFpr = (await relay.app.get(ListKey).find())!.fingerprint;
    const fpr = await maintainer.gpg.generateKey(maintainer.email);
    await maintainer.gpg.importKey(listArmored);
    await aMaintainer(await domainBeside(relay.runtime), {
      email: maintainer.email,
      key: await maintainer.gpg.exportPublic(fpr),
    });
    homes.push(maintainer.gpg);
  });

  afterAll(async () => {
    await relay?.close();
    for (const gpg of homes) await gpg.cleanup();
    jest.restoreAllMocks();
  });

  async function send(raw: Buffer, from: string): Promise<void> {
    const transport = createTransport({ host: '127.0.0.1', port: relay.smtpPort, secure: false, ignoreTLS: true });
    try {
      await transport.sendMail({ envelope: { from, to: [REPORT] }, raw });
    } finally {
      transport.close();
    }
  }

  async function sendAndSettle(raw: Buffer, from: string): Promise<ReceivedMail[]> {
    const before = relay.sink.received.length;
    await send(raw, from);
    await relay.settle();
    return relay.sink.received.slice(before);
  }

  const lastInbound = async () =>
    (
      (await db().query(
        `SELECT id, status, refusal_code, recipient_kind FROM inbound_message ORDER BY received_at DESC LIMIT 1`,
      )) as { id: string; status: string; refusal_code: string | null; recipient_kind: string }[]
    )[0];

  const reportCount = async () => (await relay.app.get(ReportQueries).queue()).length;

  const auditOf = async (action: string, inboundId: string) =>
    (
      (await db().query(`SELECT details FROM audit_entry WHERE action = $1 AND subject = $2`, [
        action,
        `inbound_message:${inboundId}`,
      ])) as { details: Record<string, unknown> }[]
    )[0]?.details;

  const headers = (from: string, name: string, subject: string, extra: string[] = []) =>
    [
      `From: ${name} <${from}>`,
      `To: ${REPORT}`,
      `Subject: ${subject}`,
      `Date: ${new Date().toUTCString()}`,
      `Message-ID: <${randomUUID()}@${from.split('@')[1]}>`,
      'MIME-Version: 1.0',
      ...extra,
    ].join('\r\n');

  /** A reporter with a key of its own, and the list key to encrypt to. */
  async function aReporter(email: string) {
    const gpg = home();
    const fpr = await gpg.generateKey(email);
    await gpg.importKey(await relay.app.get(ListKey).armoredPublicKey());
    return { gpg, fpr, email };
  }

  /** `gpg --encrypt` (no signature) to the list key, PGP/MIME with the real subject protected inside. */
  async function encryptedReport(
    reporter: { gpg: GpgHome; email: string },
    subject: string,
    inner: string,
    recipient = listFpr,
    extra: string[] = [],
  ): Promise<Buffer> {
    const { stdout } = await reporter.gpg.must(
      ['--trust-model', 'always', '--armor', ...extra, '--encrypt', '--recipient', recipient],
      Buffer.from(inner),
    );
    return pgpMimeMessage(headers(reporter.email, 'Rita Reporter', '...'), stdout.toString('utf8'), 'mutt');
  }

  /** What is in the clear anywhere the server keeps or sends things (sent mail also decoded: QP may wrap a line). */
  async function everythingInTheClear(): Promise<string> {
    const sent = relay.sink.received.map((m) => m.raw.toString('utf8'));
    const decoded = await Promise.all(relay.sink.received.map(async (m) => (await simpleParser(m.raw)).text ?? ''));
    return [await everyRowAsText(db()), ...sent, ...decoded, ...logged].join('\n');
  }

  describe('a report mailed encrypted with gpg, and one in plain text', () => {
    const canaries = { encrypted: `canary-${randomUUID()}`, plain: `canary-${randomUUID()}` };
    let rita: Awaited<ReturnType<typeof aReporter>>;
    let ritaMail: ReceivedMail[];
    let patMail: ReceivedMail[];
    const pat = 'pat@plain-reporter.example';

    beforeAll(async () => {
      rita = await aReporter('rita@reporter.example');
      const boundary = `inner-${randomUUID()}`;
      const inner = [
        `Content-Type: multipart/mixed; boundary="${boundary}"; protected-headers="v1"`,
        `Subject: libfoo parser ${canaries.encrypted}`,
        `From: Rita Reporter <${rita.email}>`,
        '',
        multipartBody(boundary, [
          textPart(
            `Overflow in parse_header(). ${canaries.encrypted}\nSee poc.c.`,
            'quoted-printable',
            'text/plain; charset=utf-8',
          ),
          attachmentPart({
            filename: 'poc.c',
            contentType: 'text/x-csrc',
            content: Buffer.from(`int main(void) { /* ${canaries.encrypted} */ }\n`),
          }),
          [
            'Content-Type: application/pgp-keys; name="key.asc"',
            'Content-Disposition: attachment; filename="key.asc"',
            '',
            crlf(await rita.gpg.exportPublic(rita.fpr)),
          ].join('\r\n'),
        ]),
      ].join('\r\n');
      ritaMail = await sendAndSettle(await encryptedReport(rita, '...', inner), rita.email);
      expect(await lastInbound()).toMatchObject({ status: 'processed', recipient_kind: 'report' });

      const plain = Buffer.from(
        `${headers(pat, '"Pat Plain"', `Crash in libbar ${canaries.plain}`)}\r\n` +
          `Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n` +
          `libbar crashes on a long name. ${canaries.plain}\r\n`,
      );
      patMail = await sendAndSettle(plain, pat);
      expect(await lastInbound()).toMatchObject({ status: 'processed', recipient_kind: 'report' });
    });

    it('files both as reports received by mail, with what each said', async () => {
      const queries = relay.app.get(ReportQueries);
      const queue = await queries.queue();
      expect(queue.map((r) => r.receivedVia)).toEqual(['mail', 'mail']);
      const details = await Promise.all(queue.map((r) => queries.detail(r.id)));
      const encrypted = details.find((d) => d.content.contact === rita.email)!;
      expect(encrypted.content).toMatchObject({
        reporterName: 'Rita Reporter',
        component: `libfoo parser ${canaries.encrypted}`,
        versions: 'Not given',
        alreadyPublic: 'unsure',
        creditName: '',
      });
      expect(encrypted.content.description).toContain(canaries.encrypted);
      expect(encrypted.reporterKeyFingerprint).toBe(rita.fpr);
      expect(encrypted.attachments.map((a) => a.filename)).toEqual(['poc.c']);
      const poc = await queries.attachment(encrypted.id, encrypted.attachments[0].id, false);
      expect(poc.bytes.toString()).toContain(canaries.encrypted);

      const plain = details.find((d) => d.content.contact === pat)!;
      expect(plain.content).toMatchObject({
        reporterName: 'Pat Plain',
        component: `Crash in libbar ${canaries.plain}`,
      });
      expect(plain.content.description).toContain(canaries.plain);
      expect(plain.reporterKeyFingerprint).toBeNull();
      expect(plain.creditConsent).toBe(false);
    });

    it('keeps neither canary in the clear: in no table, no mail sent, no log line', async () => {
      const clear = await everythingInTheClear();
      expect(clear).not.toContain(canaries.encrypted);
      expect(clear).not.toContain(canaries.plain);
      // The raw mail was sealed from its first byte: the stored bytes are not the message.
      const rows = (await db().query(`SELECT raw FROM inbound_message WHERE recipient_kind = 'report'`)) as {
        raw: Uint8Array;
      }[];
      expect(rows).toHaveLength(2);
      for (const row of rows) expect(Buffer.from(row.raw).toString('latin1')).not.toMatch(/^From:|Subject:/m);
    });

    it('mails the reporter with a key its link, encrypted to that key', async () => {
      const toRita = ritaMail.filter((m) => m.envelope.to[0] === rita.email);
      expect(toRita).toHaveLength(1);
      const opened = await rita.gpg.decrypt(armoredPart(toRita[0].raw.toString('utf8')));
      expect(opened.decrypted).toBe(true);
      expect(opened.plaintext.toString('utf8')).toMatch(/\/report\/access\/[A-Za-z0-9_-]+/);
      // The maintainers are told, encrypted to each.
      const toLea = ritaMail.filter((m) => m.envelope.to[0] === maintainer.email);
      expect(toLea).toHaveLength(1);
      expect((await maintainer.gpg.decrypt(armoredPart(toLea[0].raw.toString('utf8')))).decrypted).toBe(true);
    });

    it('sends the plain reporter a plain notice with the link and nothing of the report', async () => {
      const toPat = patMail.filter((m) => m.envelope.to[0] === pat);
      expect(toPat).toHaveLength(1);
      const notice = await simpleParser(toPat[0].raw);
      expect(toPat[0].raw.toString('utf8')).not.toMatch(/multipart\/encrypted/);
      expect(notice.text).toMatch(/\/report\/access\/[A-Za-z0-9_-]+/);
      expect(`${notice.subject} ${notice.text}`).not.toContain(canaries.plain);
      expect(notice.text).not.toContain('libbar');
    });
  });

  it('files a report mailed as inline PGP, gpg --armor --encrypt in a text/plain body', async () => {
    const ida = await aReporter('ida@reporter.example');
    const canary = `inline-${randomUUID()}`;
    const { stdout } = await ida.gpg.must(
      ['--trust-model', 'always', '--armor', '--encrypt', '--recipient', listFpr],
      Buffer.from(`A heap overflow in libquux. ${canary}\n`),
    );
    const raw = Buffer.from(
      `${headers(ida.email, 'Ida', 'libquux')}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${crlf(stdout.toString())}`,
    );
    await sendAndSettle(raw, ida.email);
    const inbound = await lastInbound();
    expect(inbound.status).toBe('processed');
    const { reportId } = (await auditOf('report_mail.filed', inbound.id)) as { reportId: string };
    const detail = await relay.app.get(ReportQueries).detail(reportId);
    expect(detail.content).toMatchObject({ component: 'libquux', contact: ida.email });
    expect(detail.content.description).toBe(`A heap overflow in libquux. ${canary}`);
    expect(await everythingInTheClear()).not.toContain(canary);
  });

  describe('hostile mail', () => {
    const stranger = 'mallory@hostile.example';

    async function refusedWith(raw: Buffer, code: string) {
      const reports = await reportCount();
      const sent = await sendAndSettle(raw, stranger);
      const inbound = await lastInbound();
      expect(inbound).toMatchObject({ status: 'refused', refusal_code: code, recipient_kind: 'report' });
      expect(await reportCount()).toBe(reports);
      expect(await auditOf('report_mail.refused', inbound.id)).toMatchObject({ code, sender: stranger });
      return sent;
    }

    it('refuses a MIME bomb, answering its sender once with a plain reason that quotes nothing', async () => {
      const canary = `bomb-${randomUUID()}`;
      let entity = textPart(`nested ${canary}`, 'quoted-printable', 'text/plain; charset=utf-8');
      for (let level = 0; level < 20; level++) {
        entity = `Content-Type: multipart/mixed; boundary="n${level}"\r\n\r\n${multipartBody(`n${level}`, [entity])}`;
      }
      const sent = await refusedWith(Buffer.from(`${headers(stranger, 'M', 'deep')}\r\n${entity}`), 'MALFORMED_MIME');
      expect(sent).toHaveLength(1);
      const reply = await simpleParser(sent[0].raw);
      expect(reply.text).toMatch(/was not filed/);
      expect(reply.text?.replace(/\s+/g, ' ')).toMatch(/nested too deeply/);
      expect(reply.headers.get('auto-submitted')).toBe('auto-replied');
      expect(sent[0].raw.toString('utf8')).not.toContain(canary);

      // Too many parts side by side; the same sender is not answered again the same day.
      const parts = Array.from({ length: 100 }, (_, i) => textPart(`part ${i}`, '8bit', 'text/plain'));
      const wide = `Content-Type: multipart/mixed; boundary="wide"\r\n\r\n${multipartBody('wide', parts)}`;
      expect(await refusedWith(Buffer.from(`${headers(stranger, 'M', 'wide')}\r\n${wide}`), 'MALFORMED_MIME')).toEqual(
        [],
      );
    });

    it('refuses a report encrypted to another key', async () => {
      const other = await aReporter('other@hostile.example');
      const inner = textPart('for someone else', 'quoted-printable', 'text/plain; charset=utf-8');
      await refusedWith(await encryptedReport(other, 'x', inner, other.fpr), 'NOT_FOR_LIST_KEY');
    });

    it('refuses a decompression bomb encrypted to the list key', async () => {
      const bomber = await aReporter('bomber@hostile.example');
      const inner = `Content-Type: text/plain\r\n\r\n${'0'.repeat(5 * 1024 * 1024)}`;
      // The list key asks for no compression; the bomber forces it (gpg warns, and does it).
      const bomb = await encryptedReport(bomber, 'x', inner, listFpr, ['--compress-algo', 'zlib', '-z', '9']);
      expect(bomb.length).toBeLessThan(MAX_BYTES);
      await refusedWith(bomb, 'TOO_LARGE');
    });

    it('refuses a report over REPORT_MAX_BYTES at SMTP with 552, storing nothing', async () => {
      const before = (await db().query(`SELECT count(*)::int AS n FROM inbound_message`)) as { n: number }[];
      const big = Buffer.from(
        `${headers(stranger, 'M', 'big')}\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n` +
          multipartBody('b', [
            'Content-Type: text/plain\r\n\r\nsee the file',
            attachmentPart({
              filename: 'dump.bin',
              contentType: 'application/octet-stream',
              content: Buffer.alloc(MAX_BYTES),
            }),
          ]),
      );
      await expect(send(big, stranger)).rejects.toMatchObject({
        responseCode: 552,
        response: expect.stringMatching(/vulnerability report may be at most 200000 bytes/) as unknown,
      });
      expect(await db().query(`SELECT count(*)::int AS n FROM inbound_message`)).toEqual(before);
    });

    it('files a report whose attached key fails the key policy without the key, and says why in the audit log', async () => {
      const sam = { email: 'sam@reporter.example', gpg: home() };
      const expired = await sam.gpg.expiredKey(sam.email);
      const raw = Buffer.from(
        `${headers(sam.email, 'Sam', 'libbaz')}\r\nContent-Type: multipart/mixed; boundary="k"\r\n\r\n` +
          multipartBody('k', [
            'Content-Type: text/plain; charset=utf-8\r\n\r\nA use after free in libbaz.',
            `Content-Type: application/pgp-keys\r\nContent-Disposition: attachment; filename="key.asc"\r\n\r\n${crlf(
              await sam.gpg.exportPublic(expired),
            )}`,
          ]),
      );
      const reports = await reportCount();
      const sent = await sendAndSettle(raw, sam.email);
      const inbound = await lastInbound();
      expect(inbound.status).toBe('processed');
      expect(await reportCount()).toBe(reports + 1);
      expect(await auditOf('report_mail.filed', inbound.id)).toMatchObject({
        encrypted: false,
        reporterKey: null,
        reporterKeyRefused: 'KEY_EXPIRED',
        reply: 'plain',
      });
      const toSam = sent.filter((m) => m.envelope.to[0] === sam.email);
      expect(toSam).toHaveLength(1);
      expect(toSam[0].raw.toString('utf8')).not.toMatch(/multipart\/encrypted/);
    });

    it('takes the key of an Autocrypt header for the From address', async () => {
      const ann = await aReporter('ann@reporter.example');
      const keydata = base64Lines(await ann.gpg.exportPublic(ann.fpr, false)).replace(/\r\n/g, '\r\n ');
      const raw = Buffer.from(
        `${headers(ann.email, 'Ann', 'libqux', [`Autocrypt: addr=${ann.email}; keydata=\r\n ${keydata}`])}\r\n` +
          'Content-Type: text/plain; charset=utf-8\r\n\r\nAn integer overflow in libqux.\r\n',
      );
      const sent = await sendAndSettle(raw, ann.email);
      const inbound = await lastInbound();
      expect(await auditOf('report_mail.filed', inbound.id)).toMatchObject({
        reporterKey: 'autocrypt',
        reply: 'encrypted',
      });
      const toAnn = sent.filter((m) => m.envelope.to[0] === ann.email);
      expect((await ann.gpg.decrypt(armoredPart(toAnn[0].raw.toString('utf8')))).decrypted).toBe(true);
    });
  });
});
