/**
 * Group commit: an outcome waits up to `lingerMs` for the other lanes' (or until every lane has
 * one), then they go in one transaction. On the embedded database every statement runs on the
 * event loop's thread, so one transaction per copy would slow the sending itself. `add` resolves
 * once the outcome is written (or failed to be, which leaves the copy to its lease): a lane waits
 * for it before it takes another copy, so no more than `lanes` copies are ever accepted
 * by the relay and not yet marked sent, the whole of what a crash can make go out twice.
 */
export class OutcomeRecorder<Outcome> {
  private pending: { outcome: Outcome; written: () => void }[] = [];
  private writing?: Promise<void>;
  private wake?: () => void;

  constructor(
    private readonly write: (batch: Outcome[]) => Promise<void>,
    /** The lanes adding outcomes: once each has one waiting, they are written without lingering. */
    private readonly lanes: number,
    private readonly lingerMs: number,
  ) {}

  add(outcome: Outcome): Promise<void> {
    return new Promise((written) => {
      this.pending.push({ outcome, written });
      if (this.pending.length >= this.lanes) this.wake?.();
      this.writing ??= this.writeAll();
    });
  }

  /** Resolves when everything added so far is written. */
  async settled(): Promise<void> {
    this.wake?.();
    while (this.writing) await this.writing;
  }

  private async writeAll(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        if (this.pending.length < this.lanes) await this.linger();
        const batch = this.pending.splice(0);
        // write() never throws: a failed write is logged and leaves the copies to their leases.
        await this.write(batch.map((entry) => entry.outcome));
        for (const entry of batch) entry.written();
      }
    } finally {
      this.writing = undefined;
    }
  }

  private linger(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.lingerMs);
      this.wake = done;
    });
  }
}
