/**
 * The list's ingress beyond plain SMTP, as a sending MTA sees it: LMTP, STARTTLS with the
 * configured certificate, and the ingress when its database is gone, when the app closes and when
 * its port is taken (plain SMTP: smtp-ingress.e2e.ts). Runs on the embedded database, or on
 * PostgreSQL with DATABASE_URL.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SettingsError } from '@cordon/config';
import { InboundStore, ReceivedMail } from '@cordon/relay';
import { IngressServer } from '../apps/cordon/src/relay/smtp/ingress-server';
import {
  LIST,
  OWNER,
  RunningRelay,
  startRelay,
  sender,
  aPost,
  inbound,
  storedIds,
  Dialogue,
  dataOf,
} from './support/ingress-peer';

const REPORT = 'distributors-report@example.org';
/** Below SMTP_MAX_SIZE (ingress-peer.ts), so that mail to -report alone is refused for its size. */
const REPORT_MAX = 8 * 1024;

describe('LMTP ingress', () => {
  let relay: RunningRelay;

  beforeAll(async () => {
    relay = await startRelay({ SMTP_LMTP: 'true', REPORT_MAX_BYTES: String(REPORT_MAX) });
  }, 60_000);
  afterAll(() => relay?.close());

  it('answers LHLO (not EHLO) and gives one reply per recipient after DATA', async () => {
    const lmtp = await Dialogue.open(relay.port);
    expect(await lmtp.command('EHLO mx.project.example')).toMatch(/^500 /);
    expect(await lmtp.command('LHLO mx.project.example')).toMatch(/^250[- ]/);
    await lmtp.command('MAIL FROM:<maintainer@project.example>');
    expect(await lmtp.command(`RCPT TO:<${LIST}>`)).toMatch(/^250 /);
    expect(await lmtp.command('RCPT TO:<stranger@example.org>')).toMatch(/^550 5\.1\.1 /);
    expect(await lmtp.command(`RCPT TO:<${OWNER}>`)).toMatch(/^250 /);
    expect(await lmtp.command('DATA')).toMatch(/^354 /);
    lmtp.write(dataOf(aPost()));
    const replies = [await lmtp.reply(), await lmtp.reply()];
    expect(replies).toEqual([
      expect.stringMatching(/^250 2\.6\.0 Stored as /),
      expect.stringMatching(/^250 2\.6\.0 Stored as /),
    ]);
    await lmtp.quit();
    const ids = replies.flatMap(storedIds);
    expect((await inbound(relay)).filter((r) => ids.includes(r.id)).map((r) => r.recipient_kind)).toEqual([
      'list',
      'owner',
    ]);
  });

  it('answers 451 only for the recipients whose row could not be stored', async () => {
    const store = relay.app.get(InboundStore);
    const accept = store.accept.bind(store) as (...args: unknown[]) => Promise<string>;
    // The owner's row fails to store; the list's is stored as usual.
    const failOwner = (...args: unknown[]) =>
      (args[args.length - 1] as ReceivedMail).kind === 'owner'
        ? Promise.reject(new Error('disk full'))
        : accept(...args);
    const spy = jest.spyOn(store, 'accept').mockImplementation(failOwner as never);
    try {
      const info = await sender(relay.port, { lmtp: true }).sendMail({
        envelope: { from: 'maintainer@project.example', to: [LIST, OWNER] },
        raw: aPost(),
      });
      expect(info.accepted).toEqual([LIST]);
      expect(info.rejected).toEqual([OWNER]);
      expect(info.rejectedErrors?.[0]).toMatchObject({ responseCode: 451 });
    } finally {
      spy.mockRestore();
    }
  });
  it('refuses only the -report recipient of a message over REPORT_MAX_BYTES, with 552, and stores the report sealed', async () => {
    const big = aPost('x'.repeat(REPORT_MAX));
    const info = await sender(relay.port, { lmtp: true }).sendMail({
      envelope: { from: 'reporter@outside.example', to: [LIST, REPORT] },
      raw: big,
    });
    expect(info.accepted).toEqual([LIST]);
    expect(info.rejected).toEqual([REPORT]);
    expect(info.rejectedErrors?.[0]).toMatchObject({
      responseCode: 552,
      response: expect.stringMatching(/^552 5\.2\.2 A vulnerability report may be at most 8192 bytes/) as unknown,
    });
    const small = await sender(relay.port, { lmtp: true }).sendMail({
      envelope: { from: 'reporter@outside.example', to: [REPORT] },
      raw: aPost('A small report.'),
    });
    const [id] = storedIds(small.response);
    const row = (await inbound(relay)).find((r) => r.id === id)!;
    expect(row).toMatchObject({ recipient_kind: 'report', size: aPost('A small report.').length });
    expect(Buffer.from(row.raw).toString('latin1')).not.toContain('A small report.');
  });
});

describe('STARTTLS', () => {
  let dir: string;
  let cert: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cordon-tls-'));
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1'],
        ...['-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'],
        ...['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      ],
      { stdio: 'pipe' },
    );
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is offered with the configured certificate, and carries the message', async () => {
    const relay = await startRelay({
      SMTP_TLS_CERT_FILE: join(dir, 'cert.pem'),
      SMTP_TLS_KEY_FILE: join(dir, 'key.pem'),
    });
    try {
      const smtp = await Dialogue.open(relay.port);
      const ehlo = await smtp.command('EHLO client.example');
      expect(ehlo).toMatch(/^250-STARTTLS$/m);
      expect(ehlo).not.toMatch(/AUTH/);
      await smtp.quit();
      // Verifying against our certificate alone: smtp-server's bundled one would fail here.
      const info = await sender(relay.port, {
        ignoreTLS: false,
        requireTLS: true,
        tls: { ca: [cert], servername: 'localhost', minVersion: 'TLSv1.2' },
      }).sendMail({ envelope: { from: 'maintainer@project.example', to: [LIST] }, raw: aPost() });
      expect(info.response).toMatch(/^250 /);
      expect(await inbound(relay)).toHaveLength(1);
    } finally {
      await relay.close();
    }
  });

  // The other bad certificates and keys: apps/cordon/src/relay/smtp/ingress-options.spec.ts.
  it('stops start-up with one line, and frees everything, when the key cannot be read', async () => {
    const outcome = await startRelay({
      SMTP_TLS_CERT_FILE: join(dir, 'cert.pem'),
      SMTP_TLS_KEY_FILE: join(dir, 'missing.pem'),
    }).then(
      (relay) => relay.close().then(() => new Error('started without its key')),
      (error: unknown) => error,
    );
    expect(outcome).toBeInstanceOf(SettingsError);
    expect((outcome as Error).message).toMatch(/^Invalid setting SMTP_TLS_KEY_FILE: cannot read .*missing\.pem/);
  });
});

describe('the ingress and its database', () => {
  it('answers 451 4.3.0, never 250, when the database is gone', async () => {
    const relay = await startRelay();
    try {
      await relay.runtime.database.close();
      const refused = sender(relay.port).sendMail({
        envelope: { from: 'maintainer@project.example', to: [LIST] },
        raw: aPost(),
      });
      await expect(refused).rejects.toMatchObject({
        responseCode: 451,
        response: expect.stringMatching(/^451 4\.3\.0 /),
      });
      expect(relay.log.lines.join('\n')).toMatch(/could not store a message from 127\.0\.0\.1 .*answered 451/);
    } finally {
      await relay.close();
    }
  });

  it('stops listening, and frees the port, when the app closes', async () => {
    const relay = await startRelay();
    const { port } = relay;
    await relay.close();
    const refused = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => resolve('connected'));
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
    const server = createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
    await new Promise((resolve) => server.close(resolve));
  });

  it('does not start twice, and says which address it could not bind', async () => {
    const relay = await startRelay();
    try {
      await expect(relay.app.get(IngressServer).start()).rejects.toThrow(/already started/);
      const second = await startRelay({ SMTP_PORT: String(relay.port) }).catch((error: unknown) => error);
      expect(second).toBeInstanceOf(SettingsError);
      expect((second as Error).message).toMatch(
        /^Cannot listen on SMTP_HOST:SMTP_PORT \(127\.0\.0\.1:\d+\): .*EADDRINUSE/,
      );
    } finally {
      await relay.close();
    }
  });
});
