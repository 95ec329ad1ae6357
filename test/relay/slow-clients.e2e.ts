/**
 * Slow clients against the SMTP ingress (issue 10, "Slow SMTP clients hold every slot"): 50
 * sessions dribbling a byte every 25 s kept every sender out, and a message dribbled over 150 s was
 * stored. Each attack runs against the relay with small limits (seconds, not minutes) and asserts
 * the refusal, that a real sender is still served, and that nothing of the attacker's is stored.
 * The attacker connects from 127.0.0.1 and the real sender from 127.0.0.2 (Linux routes all of
 * 127.0.0.0/8 to lo), so that they count as different addresses. Runs on the embedded database,
 * or on PostgreSQL with DATABASE_URL.
 */
import nodemailer from 'nodemailer';
import { InboundMessage, InboundStore } from '@cordon/relay';
import { RunningRelay, startRelay } from '../support/relay-app';
import { SlowClient } from '../support/slow-client';

const LIST = 'distributors@example.org';
const ATTACKER = '127.0.0.1';
const SENDER = '127.0.0.2';

/** The inbound messages stored, counted through the relay lib's own entity. */
const stored = (relay: RunningRelay) => relay.runtime.database.dataSource.getRepository(InboundMessage).count();

/** A real MTA's delivery of a post from `localAddress`; resolves to the server's final reply. */
const deliver = (relay: RunningRelay, localAddress = SENDER): Promise<string> =>
  nodemailer
    .createTransport({
      host: '127.0.0.1',
      port: relay.smtpPort,
      localAddress,
      secure: false,
      ignoreTLS: true,
      disableFileAccess: true,
      disableUrlAccess: true,
    })
    .sendMail({
      envelope: { from: 'maintainer@project.example', to: [LIST] },
      raw: `From: maintainer@project.example\r\nTo: ${LIST}\r\nSubject: a real post\r\n\r\nOn time.\r\n`,
    })
    .then((info) => info.response);

/** The relay with the given limits, and the attacker's connections, all closed after each test. */
function withRelay(env: Record<string, string>) {
  const running: { relay?: RunningRelay; clients: SlowClient[] } = { clients: [] };
  beforeAll(async () => {
    running.relay = await startRelay(env);
  }, 60_000);
  afterEach(() => {
    running.clients.forEach((client) => client.destroy());
    running.clients = [];
    jest.restoreAllMocks();
  });
  afterAll(() => running.relay?.close());
  return {
    get relay(): RunningRelay {
      return running.relay!;
    },
    /** An attacker's connection from `from`. */
    async connect(from = ATTACKER): Promise<SlowClient> {
      const client = await SlowClient.open(running.relay!.smtpPort, from);
      running.clients.push(client);
      return client;
    },
  };
}

/** Takes the client to DATA's 354 and resolves to when it got there. */
async function startData(client: SlowClient): Promise<number> {
  await client.line(/^220 /);
  await client.command('EHLO slow.example', /^250 /);
  await client.command('MAIL FROM:<dribbler@attacker.example>', /^250 /);
  await client.command(`RCPT TO:<${LIST}>`, /^250 /);
  await client.command('DATA', /^354 /);
  return Date.now();
}

/**
 * Dribbles a whole message, final dot included, `bytes` every `everyMs` while a real sender
 * delivers. Resolves to the reply that ended it and how long into DATA the server hung up, once
 * it has checked that the sender was served and that nothing of the dribbler's was stored.
 */
async function dribbleData(
  ingress: ReturnType<typeof withRelay>,
  pace: { bodyBytes: number; bytes: number; everyMs: number },
): Promise<{ refusal: string; after: number }> {
  const before = await stored(ingress.relay);
  const accept = jest.spyOn(ingress.relay.app.get(InboundStore), 'accept');
  const dribbler = await ingress.connect();
  const started = await startData(dribbler);
  const header = `From: dribbler@attacker.example\r\nTo: ${LIST}\r\nSubject: dribbled\r\n\r\n`;
  const message = `${header}${'x'.repeat(pace.bodyBytes)}\r\n.\r\n`;
  dribbler.dribble(message, pace.everyMs, pace.bytes);

  expect(await deliver(ingress.relay)).toMatch(/^250 2\.6\.0 Stored as /);

  const refusal = await dribbler.line(/^[45]\d\d /, 10_000);
  await dribbler.hangUp(7_000);
  const after = Date.now() - started;
  expect(accept).toHaveBeenCalledTimes(1);
  expect(await stored(ingress.relay)).toBe(before + 1);
  // Its address is served again.
  expect(await deliver(ingress.relay, ATTACKER)).toMatch(/^250 2\.6\.0 Stored as /);
  return { refusal, after };
}

describe('slowloris: sessions from one address dribbling a byte at a time', () => {
  // Four sessions in all, three from one address; idle after 2 s, but a byte every 0.5 s is never idle.
  const ingress = withRelay({
    SMTP_MAX_CLIENTS: '4',
    SMTP_MAX_CLIENTS_PER_ADDRESS: '3',
    SMTP_SESSION_SECONDS: '3',
    SMTP_IDLE_SECONDS: '2',
  });

  it('refuses the sessions over its quota with 421 4.7.0, serves another address, and ends the dribblers at the session deadline', async () => {
    const before = await stored(ingress.relay);
    const accept = jest.spyOn(ingress.relay.app.get(InboundStore), 'accept');
    const dribblers: SlowClient[] = [];
    for (let i = 0; i < 3; i++) {
      const dribbler = await ingress.connect();
      await dribbler.line(/^220 /);
      dribbler.dribble('EHLO slow.example\r\n', 500);
      dribblers.push(dribbler);
    }
    for (let i = 0; i < 2; i++) {
      const extra = await ingress.connect();
      expect(await extra.line(/^\d{3} /)).toMatch(/^421 4\.7\.0 Too many connections from your address/);
      await extra.hangUp(2_000);
    }

    // The quota leaves the last slot to everyone else: a sender from another address delivers.
    expect(await deliver(ingress.relay)).toMatch(/^250 2\.6\.0 Stored as /);
    expect(dribblers.every((dribbler) => !dribbler.closed)).toBe(true);

    // Never idle, the dribblers are ended by the session deadline (3 s from the greeting), with 421.
    for (const dribbler of dribblers) {
      const after = await dribbler.hangUp(10_000);
      expect(after).toBeGreaterThanOrEqual(3_000);
      expect(after).toBeLessThan(6_000);
      expect(dribbler.lines.at(-1)).toMatch(/^421 4\.4\.2 Session time limit of 3 seconds reached/);
    }
    // Their slots are free again: the attacker's address is served like any other.
    expect(await deliver(ingress.relay, ATTACKER)).toMatch(/^250 2\.6\.0 Stored as /);
    expect(accept).toHaveBeenCalledTimes(2);
    expect(await stored(ingress.relay)).toBe(before + 2);
  });
});

describe('dribbled DATA: a message arriving below SMTP_MIN_DATA_RATE', () => {
  // At least 1024 bytes a second over each 5 s; the other deadlines out of the way.
  const ingress = withRelay({ SMTP_MIN_DATA_RATE: '1024', SMTP_DATA_SECONDS: '60', SMTP_SESSION_SECONDS: '60' });

  it('is dropped before its end with 421 and not stored, while others are served', async () => {
    // 10 bytes a second: the whole message, final dot and all, would be in after about 15 s.
    const { refusal, after } = await dribbleData(ingress, { bodyBytes: 70, bytes: 1, everyMs: 100 });
    expect(refusal).toMatch(/^421 4\.4\.2 Message arriving slower than 1024 bytes a second; not stored/);
    // Cut at the end of the first 5 s window, well before the message's end.
    expect(after).toBeGreaterThanOrEqual(4_500);
    expect(after).toBeLessThan(9_000);
  });
});

describe('endless DATA: a message still arriving after SMTP_DATA_SECONDS', () => {
  const ingress = withRelay({ SMTP_DATA_SECONDS: '2', SMTP_SESSION_SECONDS: '60' });

  it('is refused with 421 and not stored, while others are served', async () => {
    // Fast enough for SMTP_MIN_DATA_RATE, but 40 KB at 4 KB a second takes 10 s, and DATA may take 2.
    const { refusal, after } = await dribbleData(ingress, { bodyBytes: 40 * 1024, bytes: 1024, everyMs: 250 });
    expect(refusal).toMatch(/^421 4\.4\.2 Message not received within 2 seconds; not stored/);
    expect(after).toBeGreaterThanOrEqual(1_900);
    expect(after).toBeLessThan(5_000);
  });
});
