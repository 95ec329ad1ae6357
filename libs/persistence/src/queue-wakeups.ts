import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { WAKE_CHANNELS, WakeChannel } from './wake-channels';

/** A queue loop that can be asked for a run now (PollingLoop and the workers that own one). */
export interface Wakeable {
  wake(): void;
}

/** How long to wait before connecting again: `firstMs`, doubled after each failure up to `maxMs`. */
export interface Backoff {
  firstMs: number;
  maxMs: number;
}

const BACKOFF: Backoff = { firstMs: 250, maxMs: 30_000 };

/**
 * Wakes this process's queue loops when another process on the same PostgreSQL has queued work for
 * them (docs/architecture.md, "Waking across processes"): one connection of its own, outside the
 * pool, LISTENs to the channels subscribed, and each notification calls the channel's subscribers.
 * The notifications come from triggers (migrations/1764510000000-wake-notifications.ts), so they
 * arrive when the work is committed.
 *
 * A lost connection is made again with backoff, and then every subscriber is called once, since a
 * notification may have come while no one listened; meanwhile the loops poll (DELIVERY_POLL_MS).
 * On the embedded database it does nothing: one process serves it, and wakes its loops directly.
 */
export class QueueWakeups {
  private readonly logger = new Logger('wakeups');
  private readonly subscribers = new Map<WakeChannel, (() => void)[]>();
  /** The connection being made or in use; undefined while waiting to connect again, or once closed. */
  private client?: Client;
  /** `client` once it listens. */
  private live?: Client;
  private listening = new Set<WakeChannel>();
  private started = false;
  private closed = false;
  private delayMs: number;
  private retry?: NodeJS.Timeout;

  /** `newClient` unset (the embedded database): nothing to listen to. */
  constructor(
    private readonly newClient: (() => Client) | undefined,
    private readonly backoff: Backoff = BACKOFF,
  ) {
    this.delayMs = backoff.firstMs;
  }

  /** Whether other processes can wake this one: only on PostgreSQL. */
  get acrossProcesses(): boolean {
    return this.newClient !== undefined;
  }

  /** Wakes `loop` on `channel`, and on `takeover`, after which every loop has work to look for. */
  wakeLoop(loop: Wakeable, channel: WakeChannel): void {
    const wake = () => loop.wake();
    this.on(channel, wake);
    this.on(WAKE_CHANNELS.takeover, wake);
  }

  /** Calls `subscriber` at each notification on `channel`, and once after a lost connection is back. */
  on(channel: WakeChannel, subscriber: () => void): void {
    this.subscribers.set(channel, [...(this.subscribers.get(channel) ?? []), subscriber]);
  }

  /**
   * Listens to every channel subscribed so far; call it again after subscribing more. Resolves once
   * it listens, or once the first attempt failed (it logs why and tries again, with backoff): never
   * rejects, since the loops' polling carries on without it. Start a loop after this resolves, so
   * that nothing is queued for it between its first run and the LISTEN.
   */
  async start(): Promise<void> {
    if (!this.newClient || this.closed) return;
    if (!this.started) {
      this.started = true;
      return this.connect(false);
    }
    const live = this.live;
    if (live) await this.listenToAll(live).catch((error: unknown) => this.lost(live, error));
  }

  /** Stops listening; on shutdown, after the loops have stopped and before the database closes. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = this.live = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(afterLoss: boolean): Promise<void> {
    const client = this.newClient!();
    this.client = client;
    this.listening = new Set();
    client.on('notification', ({ channel }) => this.wake(channel as WakeChannel));
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('the connection ended')));
    try {
      await client.connect();
      await this.listenToAll(client);
    } catch (error) {
      this.lost(client, error);
      return;
    }
    if (this.client !== client) return; // lost, or closed, meanwhile
    this.live = client;
    this.delayMs = this.backoff.firstMs;
    if (!afterLoss) return;
    this.logger.log('listening for wake-ups again; every queue loop looks for work it may have missed');
    for (const subscriber of new Set([...this.subscribers.values()].flat())) subscriber();
  }

  private async listenToAll(client: Client): Promise<void> {
    // Subscriptions added while this runs are iterated as well (a Map iterates what is added).
    for (const channel of this.subscribers.keys()) {
      if (this.listening.has(channel)) continue;
      await client.query(`LISTEN ${client.escapeIdentifier(channel)}`);
      this.listening.add(channel);
    }
  }

  private wake(channel: WakeChannel): void {
    for (const subscriber of this.subscribers.get(channel) ?? []) subscriber();
  }

  /** Called once per connection however it fails (an error, its end, a failed connect or LISTEN). */
  private lost(client: Client, error: unknown): void {
    if (this.client !== client) return;
    this.client = this.live = undefined;
    void client.end().catch(() => undefined);
    if (this.closed) return;
    // The message of the driver or the server, never the connection string (it may hold the password).
    const reason = error instanceof Error ? error.message : String(error);
    this.logger.warn(
      `not listening for wake-ups (${reason}); trying again in ${this.delayMs} ms, and polling meanwhile`,
    );
    this.retry = setTimeout(() => void this.connect(true), this.delayMs);
    this.delayMs = Math.min(this.delayMs * 2, this.backoff.maxMs);
  }
}
