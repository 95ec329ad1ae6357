/**
 * Waking across processes (issue 15, "first copy after the 250 with separate relay and worker
 * processes"): how long a post's first copy waits for a delivery worker in another process.
 *
 * PostgreSQL only. This process is the relay: it seals each post, makes its key packets and
 * commits the post and its queue rows as the pipeline does (the same FanOut); a delivery worker in
 * a process of its own, started, listening and idle beforehand, delivers the copies to a sink in
 * this process. The clock runs from the fan-out's commit (the transaction resolved) to the sink
 * taking the post's first copy; the ingress and the opening of the post before the commit are not
 * in it. Two ways for the worker to learn of the copies:
 *
 * - notify: QueueWakeups started and DELIVERY_POLL_MS at ten minutes, so only the post_delivery
 *   trigger's NOTIFY can wake it within the run;
 * - poll: no QueueWakeups, DELIVERY_POLL_MS at its default: the worker finds the copies at its
 *   next poll, as before the wake-ups. Each post then waits a random part of an interval before its
 *   commit, so that the commits fall anywhere in the worker's polling cycle, not just after a run.
 *
 * Posts go one at a time, each once every copy of the last one has arrived; the first, the worker's
 * first since it started, is reported apart from the others.
 */
import { ChildProcess, fork } from 'node:child_process';
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { DataSource } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { DEFAULT_SMTP_CONNECTIONS } from '@cordon/delivery';
import { QueueWakeups, WAKE_CHANNELS } from '@cordon/persistence';
import { FanOut, sealPost } from '../libs/relay/src/fan-out';
import { listKey, memberEmail, memberKeys } from './keys';
import { benchDatabase, commitPost, postContent, seedMaintainer } from './scenarios';
import { openWorker, WorkerOptions } from './workers';

/** How the worker process learns of queued copies (see above). */
export type WakeBy = 'notify' | 'poll';

export interface WakeScenario {
  databaseUrl: string;
  wakeBy: WakeBy;
  posts: number;
  members: number;
  size: number;
}

export interface WakeResult {
  /** The same for the one post before them, the worker's first since it started (see runWake). */
  coldMs: number;
  /** Per post, ms from the fan-out's commit to the sink taking its first copy. */
  firstCopyMs: number[];
  /** The worker's poll interval in the run. */
  pollMs: number;
}

export interface WakeWorkerOptions extends WorkerOptions {
  wakeBy: WakeBy;
}

/** DELIVERY_POLL_MS when only a notification should wake the worker: far beyond any run. */
const TEN_MINUTES = 600_000;

/** The worker process: a PostDeliveryWorker polling (and, for 'notify', listening) until told to stop. */
export async function runWakeWorker(options: WakeWorkerOptions): Promise<void> {
  const { worker, database, settings, close } = await openWorker(
    options,
    options.wakeBy === 'notify' ? { DELIVERY_POLL_MS: String(TEN_MINUTES) } : {},
  );
  // As startDeliveryWorkers does: listening before the first run.
  const wakeups = options.wakeBy === 'notify' ? new QueueWakeups(database.newClient) : undefined;
  if (wakeups) {
    wakeups.wakeLoop(worker, WAKE_CHANNELS.postDelivery);
    await wakeups.start();
  }
  worker.start();
  const stop = async () => {
    await worker.stop();
    await wakeups?.close();
    await close();
    process.exit(0);
  };
  process.on('message', (message: string) => message === 'stop' && void stop());
  process.on('disconnect', () => void stop());
  process.send!({ pollMs: settings.DELIVERY_POLL_MS });
}

/** An SMTP server taking every copy, noting when each was taken. */
class ArrivalSink {
  readonly arrivals: number[] = [];
  private readonly server = new SMTPServer({
    disabledCommands: ['AUTH', 'STARTTLS'],
    authOptional: true,
    disableReverseLookup: true,
    logger: false,
    onData: (stream, _session, callback) => {
      stream.resume();
      stream.on('error', callback);
      stream.on('end', () => {
        this.arrivals.push(performance.now());
        callback();
      });
    },
  });

  listen(): Promise<number> {
    return new Promise((resolve) => {
      const listener = this.server.listen(0, '127.0.0.1', () => resolve((listener.address() as AddressInfo).port));
    });
  }

  /** Resolves once `count` copies have arrived in all (polled: the sink is in this process, so it costs nothing). */
  async until(count: number, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (this.arrivals.length < count) {
      if (performance.now() > deadline) throw new Error(`${this.arrivals.length} copies arrived, expected ${count}`);
      await pause(5);
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The worker's next message, or its exit as an error. */
function next<T>(proc: ChildProcess): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const early = (code: number | null) => reject(new Error(`the delivery worker exited with ${code}`));
    proc.once('exit', early);
    proc.once('message', (message: T) => {
      proc.off('exit', early);
      resolve(message);
    });
  });
}

/** Policy version 1, one maintainer, `n` active members who acknowledged it (memberEmail(i), memberKeys(n)). */
async function seedList(ds: DataSource, n: number): Promise<{ maintainerId: string; memberIds: string[] }> {
  const maintainerId = await seedMaintainer(ds);
  const memberIds: string[] = [];
  for (const [i, key] of (await memberKeys(n)).entries()) {
    memberIds.push(randomUUID());
    await ds.query(
      `INSERT INTO member (id, email, organisation, key_armored, key_fingerprint, key_algorithm, status,
                           acknowledged_policy_version)
       VALUES ($1, $2, 'Distro', $3, $4, 'cv25519', 'active', 1)`,
      [memberIds[i], memberEmail(i), key.armor(), key.getFingerprint().toUpperCase()],
    );
  }
  return { maintainerId, memberIds };
}

/** The relay's side (a child of the bench): a fresh PostgreSQL database, the worker process, the posts. */
export async function runWake(s: WakeScenario, script: string): Promise<WakeResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cordon-bench-wake-'));
  const database = await benchDatabase(s, dataDir);
  const sink = new ArrivalSink();
  let worker: ChildProcess | undefined;
  try {
    if (!('url' in database)) throw new Error('waking across processes needs PostgreSQL');
    const ds = database.dataSource;
    const { maintainerId, memberIds } = await seedList(ds, s.members);
    const keys = await memberKeys(s.members);
    const list = await listKey();
    const port = await sink.listen();
    const options: WakeWorkerOptions = {
      databaseUrl: database.url,
      port,
      connections: DEFAULT_SMTP_CONNECTIONS,
      wakeBy: s.wakeBy,
    };
    worker = fork(script, ['--wake-worker', JSON.stringify(options)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const { pollMs } = await next<{ pollMs: number }>(worker);
    const fanOut = new FanOut(new AuditLog(randomBytes(32)));
    const recipients = keys.map((key, i) => ({ memberId: memberIds[i], email: memberEmail(i), key }));
    // One post more than asked, the first: the worker's first copies open its SMTP connections and
    // prepare its statements (~200 ms here), which a worker pays once, not per post; it is reported apart.
    const firstCopyMs: number[] = [];
    for (let post = 0; post <= s.posts; post++) {
      const sealed = await sealPost(postContent(s.size), list);
      const copies = await fanOut.keyPackets(sealed.sessionKey, recipients);
      // Polling: the commit lands anywhere in the worker's cycle (see above); waking: a short gap.
      await pause(randomInt(s.wakeBy === 'poll' ? pollMs : 50));
      const before = sink.arrivals.length;
      await commitPost(ds, fanOut, maintainerId, sealed.bodyPackets, copies);
      const committed = performance.now();
      await sink.until(before + s.members, pollMs + 60_000);
      firstCopyMs.push(sink.arrivals[before] - committed);
    }
    const [coldMs, ...rest] = firstCopyMs;
    return { coldMs, firstCopyMs: rest, pollMs };
  } finally {
    if (worker && worker.exitCode === null) {
      const exited = new Promise((resolve) => worker!.once('exit', resolve));
      if (worker.connected) worker.send('stop');
      await exited;
    }
    await sink.close();
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
