/**
 * The list's SMTP ingress, as a sending MTA sees it: the relay app on a fresh database, listening
 * on 127.0.0.1 port 0, spoken to by nodemailer and, where a client would hide the protocol, by a
 * raw socket. Runs on the embedded database, or on PostgreSQL with DATABASE_URL.
 */
import { connect } from 'node:net';
import {
  LIST,
  OWNER,
  MAX_SIZE,
  RunningRelay,
  startRelay,
  sender,
  aPost,
  InboundRow,
  inbound,
  storedIds,
  Dialogue,
  dataOf,
} from './support/ingress-peer';

describe('SMTP ingress', () => {
  let relay: RunningRelay;

  beforeAll(async () => {
    relay = await startRelay();
  }, 60_000);
  afterAll(() => relay?.close());

  it('has the message in the database, byte for byte, by the time the client sees 250', async () => {
    const raw = aPost();
    const info = await sender(relay.port).sendMail({
      envelope: { from: 'maintainer@project.example', to: [LIST] },
      raw,
    });
    expect(info.response).toMatch(/^250 2\.6\.0 Stored as /);
    const [id] = storedIds(info.response);
    const [row] = (await relay.runtime.database.dataSource.query('SELECT * FROM inbound_message WHERE id = $1', [
      id,
    ])) as InboundRow[];
    expect(row).toMatchObject({
      mail_from: 'maintainer@project.example',
      rcpt_to: [LIST],
      recipient_kind: 'list',
      verp_token: null,
      remote_address: '127.0.0.1',
      size: raw.length,
      status: 'received',
    });
    expect(Buffer.from(row.raw).equals(raw)).toBe(true);
    const [audit] = (await relay.runtime.database.dataSource.query(
      `SELECT details FROM audit_entry WHERE action = 'mail.received' AND subject = $1`,
      [`inbound_message:${id}`],
    )) as { details: Record<string, unknown> }[];
    expect(audit.details).toMatchObject({ kind: 'list', size: raw.length, messageId: '<post.1@project.example>' });
  });

  it('never writes message content to its log, and logs one line per message with its id', async () => {
    const info = await sender(relay.port).sendMail({
      envelope: { from: 'maintainer@project.example', to: [LIST] },
      raw: aPost('CANARY-7f3c in the body'),
    });
    const [id] = storedIds(info.response);
    expect(relay.log.lines.filter((line) => line.includes(id))).toEqual([
      expect.stringMatching(/^accepted inbound message \S+ \(list, \d+ bytes\) from 127\.0\.0\.1/),
    ]);
    expect(relay.log.lines.join('\n')).not.toMatch(/CANARY|CVE-2099|embargoed/);
  });

  it('refuses an unknown recipient at RCPT with 550 5.1.1, and stores nothing', async () => {
    const before = (await inbound(relay)).length;
    for (const to of ['someone@example.org', 'distributors-request@example.org', 'distributors@example.net']) {
      const refused = sender(relay.port).sendMail({ envelope: { from: 'x@example.net', to: [to] }, raw: aPost() });
      await expect(refused).rejects.toMatchObject({
        responseCode: 550,
        command: 'RCPT TO',
        response: expect.stringMatching(/^550 5\.1\.1 No such user here/),
      });
    }
    expect(await inbound(relay)).toHaveLength(before);
  });

  it('announces SIZE, and offers neither AUTH nor STARTTLS without a certificate', async () => {
    const smtp = await Dialogue.open(relay.port);
    const ehlo = await smtp.command('EHLO client.example');
    expect(ehlo).toMatch(new RegExp(`^250[- ]SIZE ${MAX_SIZE}$`, 'm'));
    expect(ehlo).not.toMatch(/AUTH|STARTTLS/);
    expect(await smtp.command('AUTH PLAIN AGFsaWNlAHNlY3JldA==')).toMatch(/^5\d\d /);
    expect(await smtp.command('STARTTLS')).toMatch(/^5\d\d /);
    // A client that declares a size over the limit is refused before it sends a byte (RFC 1870 §6.1).
    expect(await smtp.command(`MAIL FROM:<m@project.example> SIZE=${MAX_SIZE + 1}`)).toMatch(/^552 5\.3\.4 /);
    await smtp.quit();
  });

  it('refuses a message over SMTP_MAX_SIZE with 552 5.3.4 during DATA, and stores nothing', async () => {
    const before = (await inbound(relay)).length;
    const huge = aPost('x'.repeat(MAX_SIZE));
    // nodemailer declares no SIZE unless told: the limit is enforced on the bytes themselves.
    const refused = sender(relay.port).sendMail({ envelope: { from: 'm@project.example', to: [LIST] }, raw: huge });
    await expect(refused).rejects.toMatchObject({
      responseCode: 552,
      response: expect.stringMatching(/^552 5\.3\.4 /),
    });
    expect(await inbound(relay)).toHaveLength(before);
    expect(relay.log.lines.join('\n')).toMatch(/refused a message from 127\.0\.0\.1 .*over SMTP_MAX_SIZE/);
  });

  it('refuses a message that lies about its size and sends too much anyway', async () => {
    const before = (await inbound(relay)).length;
    const smtp = await Dialogue.open(relay.port);
    await smtp.command('EHLO liar.example');
    expect(await smtp.command('MAIL FROM:<m@project.example> SIZE=100')).toMatch(/^250 /);
    expect(await smtp.command(`RCPT TO:<${LIST}>`)).toMatch(/^250 /);
    expect(await smtp.command('DATA')).toMatch(/^354 /);
    smtp.write(dataOf(aPost('y'.repeat(2 * MAX_SIZE))));
    expect(await smtp.reply()).toMatch(/^552 5\.3\.4 /);
    // The session goes on: the next message is taken as usual.
    expect(await smtp.command('MAIL FROM:<m@project.example>')).toMatch(/^250 /);
    await smtp.quit();
    expect(await inbound(relay)).toHaveLength(before);
  });

  it('stores one row per kind of list address in one transaction', async () => {
    const raw = aPost();
    const info = await sender(relay.port).sendMail({
      envelope: { from: 'maintainer@project.example', to: [LIST, OWNER, 'Distributors@Example.org'] },
      raw,
    });
    const ids = storedIds(info.response);
    expect(ids).toHaveLength(2);
    const rows = (await inbound(relay)).filter((r) => ids.includes(r.id));
    // A repeated recipient counts once (smtp-server keeps the last spelling).
    expect(rows.map((r) => [r.recipient_kind, r.rcpt_to.map((a) => a.toLowerCase())])).toEqual([
      ['list', [LIST]],
      ['owner', [OWNER]],
    ]);
    expect(rows.every((r) => Buffer.from(r.raw).equals(raw))).toBe(true);
  });

  it('classifies a VERP bounce to the bounces address, with its token', async () => {
    const info = await sender(relay.port).sendMail({
      envelope: { from: '', to: ['distributors-bounces+Zm9v=bar.example@example.org'] },
      raw: Buffer.from('From: MAILER-DAEMON@mx.bar.example\r\nSubject: Undelivered Mail\r\n\r\nbounce\r\n'),
    });
    const [id] = storedIds(info.response);
    const row = (await inbound(relay)).find((r) => r.id === id);
    expect(row).toMatchObject({ mail_from: '', recipient_kind: 'bounces', verp_token: 'Zm9v=bar.example' });
  });

  it('takes at most 10 recipients in one transaction', async () => {
    const smtp = await Dialogue.open(relay.port);
    await smtp.command('EHLO many.example');
    await smtp.command('MAIL FROM:<>');
    for (let i = 0; i < 10; i++) {
      expect(await smtp.command(`RCPT TO:<distributors-bounces+t${i}@example.org>`)).toMatch(/^250 /);
    }
    expect(await smtp.command('RCPT TO:<distributors-bounces+t10@example.org>')).toMatch(/^452 4\.5\.3 /);
    await smtp.quit();
  });

  it('stores nothing of a message whose client goes away in the middle of DATA', async () => {
    const before = (await inbound(relay)).length;
    const smtp = await Dialogue.open(relay.port);
    await smtp.command('EHLO gone.example');
    await smtp.command('MAIL FROM:<m@project.example>');
    await smtp.command(`RCPT TO:<${LIST}>`);
    await smtp.command('DATA');
    smtp.write(aPost()); // no final dot
    await new Promise((resolve) => setTimeout(resolve, 100));
    smtp.destroy();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await inbound(relay)).toHaveLength(before);
  });

  it('names the list in its greeting', async () => {
    const socket = connect(relay.port, '127.0.0.1');
    const greeting = await new Promise<string>((resolve) => socket.once('data', (d) => resolve(d.toString())));
    socket.destroy();
    expect(greeting).toMatch(new RegExp(`^220 \\S+ ESMTP Cordon, Embargoed distributors <${LIST}>`));
  });
});
