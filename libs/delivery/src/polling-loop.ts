/**
 * Runs a job now and then every `intervalMs` after it finishes, never two runs at once; `wake`
 * asks for a run now, for work that a peer in the same process knows has just been queued. The
 * queues' workers, the post pipeline and the key-expiry check all move this way: polling is what
 * keeps working across processes (a relay and a worker on one PostgreSQL), waking is what keeps
 * one process from waiting a whole interval for work it queued itself.
 */
export class PollingLoop {
  private polling = false;
  private woken = false;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly job: () => Promise<unknown>,
    private readonly intervalMs: number,
    /** Told of a run that threw; the loop goes on. */
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    if (this.polling) return;
    this.polling = true;
    this.schedule(0);
  }

  /** A run as soon as possible: now if idle, right after the current one otherwise. No-op when stopped. */
  wake(): void {
    if (!this.polling) return;
    if (this.running) {
      this.woken = true;
      return;
    }
    clearTimeout(this.timer);
    this.schedule(0);
  }

  /** Stops scheduling runs and waits for the one in progress, if any. */
  async stop(): Promise<void> {
    this.polling = false;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delay: number): void {
    this.timer = setTimeout(() => {
      this.running = this.run();
    }, delay);
  }

  private async run(): Promise<void> {
    try {
      await this.job();
    } catch (error) {
      this.onError(error);
    } finally {
      this.running = undefined;
      if (this.polling) this.schedule(this.woken ? 0 : this.intervalMs);
      this.woken = false;
    }
  }
}
