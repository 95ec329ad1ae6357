/**
 * Issue 10, the first attack: one message from a stranger must not stop the list. Each hostile
 * shape goes over SMTP to a running `cordon serve` (as `npm start` runs it), to each address
 * anyone may write to, while a watcher asks /healthz every 100 ms and a second SMTP client sends
 * its own mail. The refusal must come within seconds, the server's memory stay bounded, and the
 * others be served throughout. The stranger knows what a stranger can: the list key (from
 * -sendkey) and a maintainer's key ID (on any signed mail the maintainer ever sent).
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { simpleParser } from 'mailparser';
import { createTransport } from 'nodemailer';
import { PrivateKey, PublicKey, readKey } from 'openpgp';
import { aPost, keyPacketFloodPost, signatureFloodPost } from '../support/client-mail';
import { freshDatabaseLocation } from '../support/database';
import { anOpenpgpKey } from '../support/keys';
import { eventually } from '../support/eventually';
import { freePort, waitForPort } from '../support/ports';
import { SmtpSink } from '../support/smtp-sink';

const root = join(__dirname, '..', '..');
const cordon = join(root, 'bin', 'cordon');
const LIST = 'distributors@example.org';
/** What "within seconds" means here, on a busy 2-CPU machine: before, these took minutes. */
const REFUSED_WITHIN_MS = 20_000;
/** Growth of the server's resident memory allowed while it reads one hostile message. */
const MEMORY_BOUND_MIB = 300;
/**
 * The longest a /healthz or a second client's 250 may wait while the attack is read: well under
 * the time the whole message takes, so a loop blocked for all of it fails, with room for a 2-CPU
 * machine busy with other test files (5 s was seen exceeded by 0.4 s at a load average of 10).
 */
const SERVED_WITHIN_MS = 10_000;

describe('a stranger cannot stop the list with one message', () => {
  jest.setTimeout(300_000);
  let location: Awaited<ReturnType<typeof freshDatabaseLocation>>;
  let sink: SmtpSink;
  let server: ChildProcess | undefined;
  let smtpPort: number;
  let httpPort: number;
  let listKey: PublicKey;
  let maintainer: PrivateKey;

  beforeAll(async () => {
    location = await freshDatabaseLocation();
    sink = new SmtpSink();
    const sinkPort = await sink.start();
    [smtpPort, httpPort] = [await freePort(), await freePort()];
    const env = {
      ...process.env,
      DATA_DIR: location.dataDir,
      ...(location.databaseUrl ? { DATABASE_URL: location.databaseUrl } : {}),
      LIST_ADDRESS: LIST,
      LOG_LEVEL: 'silent',
      HTTP_PORT: String(httpPort),
      SMTP_PORT: String(smtpPort),
      OUTBOUND_SMTP_URL: `smtp://127.0.0.1:${sinkPort}`,
      DELIVERY_POLL_MS: '200',
      UNTAGGED_POSTS: 'relay',
    };
    // The operator adds a maintainer as the README says, then starts the service.
    const lead = await anOpenpgpKey('lead@project.example', 'Lead');
    maintainer = lead.privateKey;
    const keyFile = join(location.dataDir, '..', `lead-${randomUUID()}.asc`);
    writeFileSync(keyFile, lead.publicKey);
    await promisify(execFile)(
      process.execPath,
      [cordon, 'maintainer', 'add', '--email', 'lead@project.example', '--name', 'Lead', '--key', keyFile],
      { cwd: root, env },
    );
    server = spawn(process.execPath, [cordon, 'serve'], { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    server.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    await waitForPort(smtpPort, server, () => stderr);
    await waitForPort(httpPort, server, () => stderr);
    // The stranger asks -sendkey for the list key, as anyone may.
    const asker = 'stranger@outside.example';
    await smtp(
      asker,
      `distributors-sendkey@example.org`,
      Buffer.from(`From: ${asker}\r\nSubject: key\r\n\r\nkey?\r\n`),
    );
    const reply = await eventually(() => sink.received.find((m) => m.envelope.to[0] === asker));
    const parsed = await simpleParser(reply.raw);
    const key = parsed.attachments.find((a) => a.contentType === 'application/pgp-keys')!;
    listKey = await readKey({ armoredKey: key.content.toString() });
  });

  afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => server!.once('exit', r));
    }
    await sink?.stop();
    await location?.remove();
  });

  const post = () => ({
    ...aPost(maintainer, listKey, {
      from: { name: 'Stranger', address: 'stranger@outside.example' },
      to: LIST,
    }),
    // Signed by the maintainer's key ID: the costly case, where every signature would be checked.
    signer: maintainer,
  });

  const shapes: [string, () => Promise<Buffer>, string][] = [
    [
      '2,000 key packets, each with its own session key, and a 4 MiB body',
      () => keyPacketFloodPost({ ...post(), keyPackets: 2_000, sessionKeys: 'distinct' }),
      'TOO_MANY_KEY_PACKETS',
    ],
    [
      '50,000 copies of one valid key packet',
      () => keyPacketFloodPost({ ...post(), keyPackets: 50_000, sessionKeys: 'copies', bodyBytes: 64 * 1024 }),
      'TOO_MANY_KEY_PACKETS',
    ],
    [
      '2,000 signatures by a maintainer’s key ID over a 4 MiB body',
      () => signatureFloodPost({ ...post(), signatures: 2_000 }),
      'TOO_MANY_SIGNATURES',
    ],
  ];

  const addresses: [string, string][] = [
    ['list', LIST],
    ['ack', 'distributors-ack@example.org'],
    ['leaks', 'distributors-leaks@example.org'],
  ];

  for (const [shape, make, code] of shapes) {
    for (const [kind, address] of addresses) {
      it(`refuses ${shape} sent to the ${kind} address, serving others throughout`, async () => {
        const attack = await make();
        const before = await inboundCount(kind, 'refused', code);
        const { elapsedMs, peakGrowthMiB, worstHealthMs, secondClientMs } = await underWatch(async () => {
          await smtp('stranger@outside.example', address, attack);
          await eventually(async () => ((await inboundCount(kind, 'refused', code)) > before ? true : undefined));
        });
        expect(elapsedMs).toBeLessThan(REFUSED_WITHIN_MS);
        expect(peakGrowthMiB).toBeLessThan(MEMORY_BOUND_MIB);
        expect(worstHealthMs).toBeLessThan(SERVED_WITHIN_MS);
        expect(secondClientMs).toBeLessThan(SERVED_WITHIN_MS);
        // Nothing was relayed: no post was accepted.
        expect(await metric('cordon_posts_accepted_total')).toBe(0);
      });
    }

    it(`passes ${shape} sent to -owner on to the maintainers, within the same bounds, serving others throughout`, async () => {
      const attack = await make();
      const before = await inboundCount('owner', 'processed', '');
      const { elapsedMs, peakGrowthMiB, worstHealthMs, secondClientMs } = await underWatch(async () => {
        await smtp('stranger@outside.example', 'distributors-owner@example.org', attack);
        await eventually(async () => ((await inboundCount('owner', 'processed', '')) > before ? true : undefined));
      });
      expect(elapsedMs).toBeLessThan(REFUSED_WITHIN_MS);
      expect(peakGrowthMiB).toBeLessThan(MEMORY_BOUND_MIB);
      expect(worstHealthMs).toBeLessThan(SERVED_WITHIN_MS);
      expect(secondClientMs).toBeLessThan(SERVED_WITHIN_MS);
    });
  }

  /**
   * Runs `attack` while /healthz is asked every 100 ms and a second client sends mail, sampling
   * the server's resident memory; returns how long the attack took and how the others fared.
   */
  async function underWatch(attack: () => Promise<unknown>) {
    const baseline = rssMiB();
    let peak = baseline;
    let worstHealthMs = 0;
    let watching = true;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMiB())), 50);
    const health = (async () => {
      while (watching) {
        const started = Date.now();
        const response = await fetch(`http://127.0.0.1:${httpPort}/healthz`, { signal: AbortSignal.timeout(30_000) });
        expect(response.status).toBe(200);
        worstHealthMs = Math.max(worstHealthMs, Date.now() - started);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const started = Date.now();
    const secondClient = (async () => {
      await new Promise((r) => setTimeout(r, 300)); // while the attack is on its way in
      const sent = Date.now();
      await smtp(
        'neighbour@outside.example',
        'distributors-sendkey@example.org',
        Buffer.from('Subject: key\r\n\r\nkey?\r\n'),
      );
      return Date.now() - sent;
    })();
    try {
      await attack();
      const elapsedMs = Date.now() - started;
      const figures = { elapsedMs, peakGrowthMiB: peak - baseline, worstHealthMs, secondClientMs: await secondClient };
      // CORDON_TEST_FIGURES=1 prints what was measured, for the benchmarks page.
      if (process.env.CORDON_TEST_FIGURES === '1')
        process.stdout.write(`${expect.getState().currentTestName}: ${JSON.stringify(figures)}\n`);
      return figures;
    } finally {
      watching = false;
      clearInterval(sampler);
      await health;
    }
  }

  function rssMiB(): number {
    const status = readFileSync(`/proc/${server!.pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
  }

  async function smtp(from: string, to: string, raw: Buffer): Promise<void> {
    const transport = createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true });
    try {
      await transport.sendMail({ envelope: { from, to: [to] }, raw });
    } finally {
      transport.close();
    }
  }

  async function metrics(): Promise<string> {
    return (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  }

  async function metric(name: string): Promise<number> {
    const line = (await metrics()).split('\n').find((l) => l.startsWith(`${name} `));
    return Number(line?.split(' ')[1] ?? 0);
  }

  async function inboundCount(kind: string, status: string, reason: string): Promise<number> {
    const labels = `kind="${kind}",status="${status}",reason="${reason}"`;
    const line = (await metrics()).split('\n').find((l) => l.startsWith(`cordon_inbound_messages{${labels}}`));
    return Number(line?.split(' ')[1] ?? 0);
  }
});
