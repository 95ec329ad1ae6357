/**
 * The scaling runs (issue 15, "Past nodemailer's ceiling"): one post's copies delivered by several
 * delivery worker processes sharing the PostgreSQL queue, as several `cordon serve --role worker`
 * would, each with its own SMTP pool. The scenario's process is the relay: it seals the post, makes
 * the key packets and commits the post and its queue rows; then every worker drains the queue (the
 * claims' SKIP LOCKED gives each its own rows). The clock runs from the seal to the last worker's
 * last recorded copy; the workers are started, connected and idle before it starts.
 */
import { ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { AuditLog } from '@cordon/audit';
import { parseSettings } from '@cordon/config';
import { SmtpTransport } from '@cordon/delivery';
import { openDatabase } from '@cordon/persistence';
import { AcknowledgementFollowUps, Policies } from '@cordon/policy';
import { allEntities } from '@cordon/runtime';
import { fanOutEntities, PostDeliveryWorker } from '../libs/relay/src/fan-out';
import { LIST_ADDRESS, LIST_NAME } from './keys';

/** What a worker process is told: the bench's database, the sink, and its pool's size. */
export interface WorkerOptions {
  databaseUrl: string;
  port: number;
  connections: number;
}

/** A worker's answer to 'drain': copies it claimed, and its own peak RSS. */
export interface Drained {
  claimed: number;
  peakRssMiB: number;
}

/** A worker process's PostDeliveryWorker, not started, on the bench's database; `env` adds settings. */
export async function openWorker(options: WorkerOptions, env: Record<string, string> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'cordon-bench-worker-'));
  const database = await openDatabase({
    databaseUrl: options.databaseUrl,
    dataDir,
    entities: [...new Set([...allEntities, ...fanOutEntities])],
  });
  const settings = parseSettings(
    { LIST_ADDRESS, LIST_NAME, DATA_DIR: dataDir, LOG_LEVEL: 'warn', DATABASE_URL: options.databaseUrl, ...env },
    process.cwd(),
  );
  const transport = new SmtpTransport(`smtp://127.0.0.1:${options.port}`, options.connections);
  const audit = new AuditLog(randomBytes(32));
  const ds = database.dataSource;
  const worker = new PostDeliveryWorker(
    ds,
    settings,
    transport,
    audit,
    new Policies(ds, audit, new AcknowledgementFollowUps()),
  );
  const close = async () => {
    await transport.close();
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { worker, database, settings, close };
}

/** The worker processes' side: connect, say ready, drain the queue once when told, stop when told. */
export async function runDeliveryWorker(options: WorkerOptions, peakRssMiB: () => number): Promise<void> {
  const { worker, close } = await openWorker(options);
  const stop = async () => {
    await close();
    process.exit(0);
  };
  process.on('message', (message: string) => {
    if (message === 'drain') {
      worker.drain().then(
        (claimed) => process.send!({ claimed, peakRssMiB: peakRssMiB() } satisfies Drained),
        (error: unknown) => {
          process.stderr.write(`worker failed: ${String(error)}\n`);
          process.exit(1);
        },
      );
    }
    if (message === 'stop') void stop();
  });
  process.on('disconnect', () => void stop());
  process.send!('ready');
}

/** The relay's side: `count` worker processes (forked from `script`), each ready before this returns. */
export class WorkerProcesses {
  private constructor(private readonly procs: ChildProcess[]) {}

  static async start(script: string, count: number, options: WorkerOptions): Promise<WorkerProcesses> {
    const procs = Array.from({ length: count }, () =>
      fork(script, ['--delivery-worker', JSON.stringify(options)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
    );
    const workers = new WorkerProcesses(procs);
    try {
      await Promise.all(procs.map((proc) => workers.next<string>(proc)));
    } catch (error) {
      await workers.stop();
      throw error;
    }
    return workers;
  }

  /** Every worker drains the queue; resolves once all have found nothing more to claim. */
  drain(): Promise<Drained[]> {
    return Promise.all(
      this.procs.map((proc) => {
        const drained = this.next<Drained>(proc);
        proc.send('drain');
        return drained;
      }),
    );
  }

  stop(): Promise<void> {
    return Promise.all(
      this.procs.map(
        (proc) =>
          new Promise<void>((resolve) => {
            if (proc.exitCode !== null) return resolve();
            proc.once('exit', () => resolve());
            if (proc.connected) proc.send('stop');
          }),
      ),
    ).then(() => undefined);
  }

  private next<T>(proc: ChildProcess): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const early = (code: number | null) => reject(new Error(`a delivery worker exited with ${code}`));
      proc.once('exit', early);
      proc.once('message', (message: T) => {
        proc.off('exit', early);
        resolve(message);
      });
    });
  }
}
