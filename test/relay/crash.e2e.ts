/**
 * Invariant 4 with a real crash (issue 15, "Resume at once after a crash"): the service (`cordon
 * serve`, as `npm start` runs it) kills itself with SIGKILL at a chosen point of a post's life
 * (CORDON_TEST_KILL_AT, README settings), is started again on the same data without it, and every
 * member gets the post within 60 s of the restart, each exactly once: only the copies the outbound
 * relay had taken when the process died may come twice (README "Crashes and duplicates"). On
 * PostgreSQL a second process takes over the copies a killed one held, with no restart at all.
 * Every fact is read as an operator would: the SMTP peer's mail, and GET /metrics.
 */
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import { readKey } from 'openpgp';
import { KILL_POINTS } from '@cordon/config';
import { ListKey } from '@cordon/crypto';
import { COPIES_IN_FLIGHT } from '@cordon/relay';
import { thunderbirdPost } from '../support/client-mail';
import { freshDatabaseLocation, realPostgresUrl } from '../support/database';
import { withDomain } from '../support/domain-context';
import { aMaintainer, aMember } from '../support/factories';
import { anOpenpgpKey, TestKey } from '../support/keys';
import { freePort } from '../support/ports';
import { answers, exited, ready, serve, ServeProcess, stop, until } from '../support/serve-process';
import { SmtpSink } from '../support/smtp-sink';

const LIST = 'distributors@example.org';
const MAINTAINER = 'lead@project.example';
// More members than a worker has copies in flight, so that the bound on duplicates says something.
const MEMBERS = Array.from({ length: 3 * COPIES_IN_FLIGHT }, (_, i) => `sec@member-${i}.example`);
/** The bound: every copy within this long of the restart (or of the kill, when another process goes on). */
const RESUME_MS = 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A `cordon serve` child, with the port of its web app (for GET /metrics). */
type Server = ServeProcess & { httpPort: number };

/** One sample of GET /metrics: the value of each series, by name and labels. */
type Sample = { name: string; labels: Record<string, string>; value: number }[];

const sum = (sample: Sample, name: string, label?: string, values?: string[]) =>
  sample
    .filter((s) => s.name === name && (!label || values!.includes(s.labels[label])))
    .reduce((total, s) => total + s.value, 0);

describe('crash and restart', () => {
  jest.setTimeout(240_000);
  let location: Awaited<ReturnType<typeof freshDatabaseLocation>>;
  let sink: SmtpSink;
  let env: Record<string, string>;
  let maintainer: TestKey;
  let listArmored: string;
  const running = new Set<Server>();
  /** When the sink got each mail (sink.received's order), stamped by a poll every 20 ms. */
  const arrivals: number[] = [];
  let stamping: NodeJS.Timeout;
  /** Milliseconds from each restart (or kill) to the last copy, printed at the end for the record. */
  const measured: Record<string, number> = {};

  /** `cordon serve` on the test's settings and `extra`, once it listens for SMTP and HTTP. */
  async function startServer(name: string, extra: Record<string, string> = {}): Promise<Server> {
    const smtpPort = Number(extra.SMTP_PORT ?? env.SMTP_PORT);
    const httpPort = Number(extra.HTTP_PORT ?? env.HTTP_PORT);
    const server: Server = Object.assign(serve(name, [], { ...env, ...extra }), { httpPort });
    running.add(server);
    await ready(server, async () => (await answers(smtpPort)) && answers(httpPort));
    return server;
  }

  /** Resolves with the signal that ended `server`; fails if it is still up after `ms`. */
  async function death(server: Server, ms = 60_000): Promise<string | null> {
    if (!exited(server)) {
      let timer: NodeJS.Timeout | undefined;
      const gone = new Promise((resolve) => server.process.once('exit', resolve));
      await Promise.race([gone, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
      clearTimeout(timer);
      if (!exited(server)) throw new Error(`${server.name} never reached its kill point:\n${server.output}`);
    }
    running.delete(server);
    return server.process.signalCode;
  }

  async function stopGracefully(server: Server): Promise<void> {
    running.delete(server);
    await stop(server);
  }

  async function metrics(server: Server): Promise<Sample> {
    const response = await fetch(`http://127.0.0.1:${server.httpPort}/metrics`);
    if (!response.ok) throw new Error(`GET /metrics answered ${response.status}`);
    return (await response.text())
      .split('\n')
      .filter((line) => line && !line.startsWith('#'))
      .map((line) => {
        const [, name, labels = '', value] = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line)!;
        return {
          name,
          labels: Object.fromEntries([...labels.matchAll(/(\w+)="([^"]*)"/g)].map(([, k, v]) => [k, v])),
          value: Number(value),
        };
      });
  }

  /** Nothing stored waits, nothing is being opened, no copy or service mail is queued, leased or deferred. */
  function quiet(sample: Sample): boolean {
    return (
      sum(sample, 'cordon_inbound_messages', 'status', ['received', 'processing']) === 0 &&
      sum(sample, 'cordon_post_copies', 'status', ['queued', 'sending', 'deferred']) === 0 &&
      sum(sample, 'cordon_outbound_messages', 'status', ['pending']) === 0
    );
  }

  beforeAll(async () => {
    location = await freshDatabaseLocation();
    sink = new SmtpSink().acceptClients(50);
    const sinkPort = await sink.start();
    stamping = setInterval(() => {
      while (arrivals.length < sink.received.length) arrivals.push(Date.now());
    }, 20);
    env = {
      DATA_DIR: location.dataDir,
      ...(location.databaseUrl ? { DATABASE_URL: location.databaseUrl } : {}),
      LIST_ADDRESS: LIST,
      LOG_LEVEL: 'warn',
      HTTP_PORT: String(await freePort()),
      SMTP_PORT: String(await freePort()),
      OUTBOUND_SMTP_URL: `smtp://127.0.0.1:${sinkPort}`,
      DELIVERY_POLL_MS: '200',
      UNTAGGED_POSTS: 'relay',
    };
    // A first start creates the schema, the list key and the policy; then the people are added.
    await stopGracefully(await startServer('first start'));
    maintainer = await anOpenpgpKey(MAINTAINER);
    listArmored = await withDomain(env, async (app) => {
      await aMaintainer(app, { email: MAINTAINER, key: maintainer.publicKey, name: 'Lead' });
      for (const email of MEMBERS) await aMember(app, { email, key: (await anOpenpgpKey(email)).publicKey });
      return app.get(ListKey).armoredPublicKey();
    });
  });

  // A case that failed half-way leaves nothing running for the next one.
  afterEach(async () => {
    sink.release();
    for (const server of [...running]) await stopGracefully(server);
  });

  afterAll(async () => {
    clearInterval(stamping);
    for (const server of running) if (!exited(server)) server.process.kill('SIGKILL');
    sink?.release();
    await sink?.stop();
    await location?.remove();
    if (Object.keys(measured).length) {
      const lines = Object.entries(measured).map(([at, ms]) => `  ${at}: ${(ms / 1000).toFixed(1)} s`);
      console.log(`${location.databaseUrl ? 'PostgreSQL' : 'PGlite'}, last copy after:\n${lines.join('\n')}`);
    }
  });

  async function post(subject: string): Promise<Buffer> {
    return thunderbirdPost({
      from: { name: 'Lead', address: MAINTAINER },
      to: LIST,
      subject,
      text: `body of ${subject}`,
      signer: maintainer.privateKey,
      listKey: await readKey({ armoredKey: listArmored }),
    });
  }

  /** Sends over SMTP as an MTA does; resolves whether the server answered 250. */
  async function send(raw: Buffer): Promise<boolean> {
    const transport = createTransport({
      host: '127.0.0.1',
      port: Number(env.SMTP_PORT),
      secure: false,
      ignoreTLS: true,
    });
    try {
      await transport.sendMail({ envelope: { from: MAINTAINER, to: [LIST] }, raw });
      return true;
    } catch {
      return false;
    } finally {
      transport.close();
    }
  }

  /** The VERP return path (one per queue row) of each copy of a list post each member got since mail number `from`. */
  const copiesSince = (from: number) =>
    MEMBERS.map((member) =>
      sink.received
        .slice(from)
        .filter((mail) => mail.envelope.to.includes(member) && mail.envelope.from.startsWith('distributors-bounces+'))
        .map((mail) => mail.envelope.from),
    );

  /** When the last of the copies since mail number `from` arrived. */
  const lastCopyAt = (from: number) =>
    Math.max(
      ...sink.received
        .map((mail, i) => ({ mail, at: arrivals[i] ?? Date.now() }))
        .slice(from)
        .filter(({ mail }) => mail.envelope.from.startsWith('distributors-bounces+'))
        .map(({ at }) => at),
    );

  /**
   * Every member got one queue row's copy; each came once, or (`inFlight`) at most twice for no
   * more than the COPIES_IN_FLIGHT copies the relay had taken when the process died.
   */
  function expectOnceEach(from: number, inFlight: boolean): void {
    const copies = copiesSince(from);
    expect(copies.map((verps) => new Set(verps).size)).toEqual(MEMBERS.map(() => 1));
    const extra = copies.map((verps) => verps.length - 1);
    if (!inFlight) expect(extra).toEqual(MEMBERS.map(() => 0));
    expect(Math.max(...extra)).toBeLessThanOrEqual(1);
    expect(extra.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(COPIES_IN_FLIGHT);
  }

  /** Waits until every member has a copy and the server is quiet; returns its last metrics. */
  async function everyCopyBy(server: Server, from: number, deadline: number): Promise<Sample> {
    const left = () => deadline - Date.now();
    await until('a copy for every member', () => copiesSince(from).every((verps) => verps.length > 0), left());
    let sample: Sample = [];
    await until('nothing left to do', async () => quiet((sample = await metrics(server))), left());
    return sample;
  }

  // Each point of KILL_POINTS (libs/config), in a post's order. The sender of a message that got no
  // 250 sends it again after the restart, as an MTA does.
  const crashes: { at: string; inFlight?: boolean }[] = [
    { at: 'storing' },
    { at: 'stored' },
    { at: 'opening' },
    { at: 'fanned-out' },
    { at: 'claimed' },
    { at: `delivering:${COPIES_IN_FLIGHT / 2}`, inFlight: true },
  ];

  it('names every kill point', () => {
    expect(crashes.map(({ at }) => at.split(':')[0])).toEqual([...KILL_POINTS]);
  });

  it.each(crashes)('killed at $at, delivers the post to every member within 60 s of the restart', async (crash) => {
    const from = sink.received.length;
    const raw = await post(`killed at ${crash.at}`);
    const first = await startServer(`killed at ${crash.at}`, { CORDON_TEST_KILL_AT: crash.at });
    const before = await metrics(first);
    const answered = await send(raw);
    expect(await death(first)).toBe('SIGKILL');
    // Killed before the 250: the message was not accepted, and the client knows it.
    if (crash.at === 'storing' || crash.at === 'stored') expect(answered).toBe(false);

    const restartedAt = Date.now();
    const server = await startServer('restarted');
    if (!answered) expect(await send(raw)).toBe(true);
    const after = await everyCopyBy(server, from, restartedAt + RESUME_MS);
    measured[crash.at] = lastCopyAt(from) - restartedAt;

    expect(measured[crash.at]).toBeLessThanOrEqual(RESUME_MS);
    expectOnceEach(from, crash.inFlight ?? false);
    // One post, whichever copy of the message was opened first: a stored one sent again is a replay.
    const accepted = (sample: Sample) => sum(sample, 'cordon_posts_accepted_total');
    expect(accepted(after) - accepted(before)).toBe(1);
    const replays = (sample: Sample) => sum(sample, 'cordon_posts_refused_total', 'reason', ['REPLAYED']);
    expect(replays(after) - replays(before)).toBe(!answered && crash.at !== 'storing' ? 1 : 0);
    await stopGracefully(server);
  });

  (realPostgresUrl() ? it : it.skip)(
    'on PostgreSQL, a second process takes over the copies a killed one held, with no restart (the embedded database serves one process)',
    async () => {
      const from = sink.received.length;
      // The first process claims the copies and hands them to the relay, which holds its reply
      // until a second process runs beside it; the first 250 then kills the first process.
      sink.hold();
      const first = await startServer('killed', { CORDON_TEST_KILL_AT: 'delivering' });
      const before = await metrics(first);
      expect(await send(await post('killed beside another process'))).toBe(true);
      const inFlight = () => sink.held().some((mail) => mail.envelope.from.startsWith('distributors-bounces+'));
      await until('copies in flight', inFlight, 30_000);
      const second = await startServer('beside', {
        DATA_DIR: join(location.dataDir, 'second'),
        SECRET_KEY_FILE: join(location.dataDir, 'secret.key'),
        HTTP_PORT: String(await freePort()),
        SMTP_PORT: String(await freePort()),
      });
      sink.release();
      expect(await death(first)).toBe('SIGKILL');
      const killedAt = Date.now();

      const after = await everyCopyBy(second, from, killedAt + RESUME_MS);
      measured['delivering, taken over by a second process'] = lastCopyAt(from) - killedAt;
      expect(lastCopyAt(from) - killedAt).toBeLessThanOrEqual(RESUME_MS);
      expectOnceEach(from, true);
      expect(sum(after, 'cordon_posts_accepted_total') - sum(before, 'cordon_posts_accepted_total')).toBe(1);
      expect(exited(second)).toBe(false);
      await stopGracefully(second);
    },
  );

  it('relays a post as soon as it is stored, not at the next poll', async () => {
    const from = sink.received.length;
    // Nothing polls again for ten minutes after the first look at start-up: only the ingress
    // waking the pipeline, and the pipeline waking the worker, can move this post.
    const server = await startServer('polling rarely', { DELIVERY_POLL_MS: '600000' });
    await sleep(500); // past the start-up look
    expect(await send(await post('relayed at once'))).toBe(true);
    await until('a copy for every member', () => copiesSince(from).every((verps) => verps.length === 1), 20_000);
    await stopGracefully(server);
  });
});
