import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { WAKE_CHANNELS } from './wake-channels';

/**
 * How often a registered process says it is alive. A quarter of TAKEOVER_AFTER_MS, so that a
 * process whose database is slow for a beat or two (a checkpoint, a busy embedded database) is
 * not taken for dead.
 */
export const HEARTBEAT_MS = 5_000;

/**
 * How old a heartbeat may grow before its process counts as dead and its leases as void. Issue 15
 * asks that a dead process's work be taken over within 30 s: the last beat is at most this old when
 * another process's beat finds it, and that comes at most HEARTBEAT_MS later, so 20 + 5 < 30. A
 * live process is not stalled this long: its watchdog ends a loop that stood still for
 * WATCHDOG_SECONDS (30) anyway, and one stalled past this re-registers under a new id.
 */
export const TAKEOVER_AFTER_MS = 20_000;

export interface ProcessRegistryOptions {
  /**
   * The embedded database: the process holds its data directory's lock (DataDirLock), so every
   * other row is a process that is gone, and is deleted as this one registers.
   */
  embedded: boolean;
  /** 0: no timer; the owner calls `beat()` (a test playing a process that is about to die). */
  heartbeatMs?: number;
  /** Only a test, which cannot wait 20 s for a death, sets it shorter. */
  takeoverAfterMs?: number;
}

/**
 * This process's row in `service_process` (docs/architecture.md, "Leases"): each claim of queue work
 * writes the process's id as the lease's owner, and a lease whose owner's row is gone is void at
 * once, rather than when its five minutes run out. The process registers at its first claim, beats
 * every HEARTBEAT_MS by the database's clock (so the hosts' clocks do not matter), and deletes its
 * row when it stops. Each beat also deletes the rows of processes whose beat is older than
 * TAKEOVER_AFTER_MS (killed, or cut off) and, if it deleted any, tells every process's queue loops
 * to look again: on PostgreSQL by NOTIFY on WAKE_CHANNELS.takeover in the same transaction, and in
 * this process directly (`onTakeover`).
 *
 * One registry per open database (`ProcessRegistry.of`), made by openDatabase: the queues' claimers
 * ask it for the id whatever built them, Nest or a test.
 */
export class ProcessRegistry {
  private static readonly byDataSource = new WeakMap<DataSource, ProcessRegistry>();

  /** The registry of the process using `dataSource`; one is made on first use if openDatabase did not. */
  static of(dataSource: DataSource): ProcessRegistry {
    let registry = ProcessRegistry.byDataSource.get(dataSource);
    if (!registry) {
      registry = new ProcessRegistry(dataSource, { embedded: false });
      ProcessRegistry.byDataSource.set(dataSource, registry);
    }
    return registry;
  }

  /** Makes the registry `of(dataSource)` returns; for openDatabase, which knows whether it is embedded. */
  static open(dataSource: DataSource, options: ProcessRegistryOptions): ProcessRegistry {
    const registry = new ProcessRegistry(dataSource, options);
    ProcessRegistry.byDataSource.set(dataSource, registry);
    return registry;
  }

  private readonly logger = new Logger('processes');
  private readonly listeners = new Set<() => void>();
  private readonly heartbeatMs: number;
  private readonly takeoverAfterMs: number;
  private label = 'cordon';
  private registering?: Promise<string>;
  private timer?: NodeJS.Timeout;
  private beating?: Promise<void>;
  private closed = false;

  /** A registry of its own; `open` or `of` for the one the queues use. */
  constructor(
    private readonly dataSource: DataSource,
    private readonly options: ProcessRegistryOptions,
  ) {
    this.heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
    this.takeoverAfterMs = options.takeoverAfterMs ?? TAKEOVER_AFTER_MS;
  }

  /** What the process runs (`serve all`, `serve worker`), shown in its row; before it registers. */
  describeAs(label: string): void {
    this.label = label;
  }

  /**
   * This process's id, for a claim's lease_owner: registers on first use. After a stall that got
   * the row reaped, a new id (see `beat`).
   */
  id(): Promise<string> {
    if (this.closed) return Promise.reject(new Error('this process has left the registry: it claims nothing more'));
    this.registering ??= this.register().catch((error: unknown) => {
      this.registering = undefined; // the next claim tries again
      throw error;
    });
    return this.registering;
  }

  /**
   * Calls `listener` when a beat of this process has voided another process's leases, or its own
   * (after a stall): the queue loops then have work to look for. Returns what unsubscribes it.
   */
  onTakeover(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * One heartbeat, in one transaction: this process's row is stamped, rows of dead processes are
   * deleted and, if there were any, NOTIFY takeover goes out with the commit. A row that is gone
   * means others took this process for dead while it stalled: its old leases may be theirs now
   * (settlements are fenced by the attempt count), so it carries on under a new id. No-op before
   * the process registered.
   */
  beat(): Promise<void> {
    this.beating ??= this.beatNow().finally(() => (this.beating = undefined));
    return this.beating;
  }

  /** Stops beating and deletes this process's row: on a graceful stop, after the loops, before the database closes. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.beating;
    const id = await this.registering?.catch(() => undefined);
    if (!id) return;
    await this.dataSource
      .query(`DELETE FROM service_process WHERE id = $1`, [id])
      .catch((error: unknown) => this.logger.warn(`could not leave the registry: ${messageOf(error)}`));
  }

  private async register(): Promise<string> {
    const id = await this.dataSource.transaction(async (manager) => {
      // The embedded database's lock says no other process is alive: every other lease is void now.
      if (this.options.embedded) await manager.query(`DELETE FROM service_process`);
      return this.insertRow(manager);
    });
    if (this.heartbeatMs > 0 && !this.closed) {
      this.timer = setInterval(() => void this.beat(), this.heartbeatMs);
      // Beating keeps no process (a CLI command, a test) alive: close() or the exit ends it.
      this.timer.unref();
    }
    return id;
  }

  private async insertRow(manager: EntityManager): Promise<string> {
    const id = randomUUID();
    await manager.query(
      `INSERT INTO service_process (id, host, pid, label, started_at, heartbeat_at) VALUES ($1, $2, $3, $4, now(), now())`,
      [id, hostname(), process.pid, this.label],
    );
    return id;
  }

  private async beatNow(): Promise<void> {
    const current = this.registering;
    const id = await current?.catch(() => undefined);
    if (!id || this.closed) return;
    try {
      const { reaped, renewed } = await this.dataSource.transaction(async (manager) => {
        const [, stamped] = (await manager.query(`UPDATE service_process SET heartbeat_at = now() WHERE id = $1`, [
          id,
        ])) as [unknown, number];
        const renewed = stamped === 0 ? await this.insertRow(manager) : undefined;
        const [, reaped] = (await manager.query(
          `DELETE FROM service_process WHERE heartbeat_at < now() - make_interval(secs => $1)`,
          [this.takeoverAfterMs / 1000],
        )) as [unknown, number];
        if (reaped > 0) await manager.query(`SELECT pg_notify($1, '')`, [WAKE_CHANNELS.takeover]);
        return { reaped, renewed };
      });
      if (renewed && this.registering === current) {
        this.registering = Promise.resolve(renewed);
        this.logger.warn(
          `this process stalled, and another took it for dead: it goes on as ${renewed}, and what it had ` +
            "claimed may be another process's now",
        );
      }
      if (reaped > 0 || renewed) this.tellListeners();
    } catch (error) {
      // The next beat tries again; past TAKEOVER_AFTER_MS the others take this process for dead.
      this.logger.warn(`heartbeat failed: ${messageOf(error)}`);
    }
  }

  private tellListeners(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch (error) {
        this.logger.error(`a takeover listener failed: ${messageOf(error)}`);
      }
    }
  }
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
