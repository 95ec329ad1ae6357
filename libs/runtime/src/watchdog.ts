import { Worker } from 'node:worker_threads';

/**
 * A liveness watchdog (README "Staying up"): a process whose event loop has not
 * turned for `seconds` is ended with SIGKILL, so that its supervisor (compose `restart:`, systemd
 * `Restart=`) starts it again and the queues resume from their leases.
 *
 * The check cannot live on the event loop it watches: a loop stuck in native code (a lock taken
 * twice inside garbage collection was seen once) runs no timer. So the main thread stamps the time
 * into shared memory every second, and a worker thread, with its own loop and heap, reads it.
 * SIGKILL rather than SIGTERM: a stuck loop would never run the graceful shutdown a SIGTERM asks
 * for, and every piece of work is leased in the database, so nothing is lost that a restart does
 * not take up again.
 */
export interface Watchdog {
  stop(): Promise<void>;
}

const BEAT_MS = 1000;

// The worker's whole source, kept in plain JavaScript so that it runs the same from dist/ and
// under the test runner. It writes one line to stderr (the only thing it can still reach) and
// kills the process it belongs to.
const WATCHER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const beat = new BigInt64Array(workerData.shared);
const limitMs = workerData.seconds * 1000;
for (;;) {
  Atomics.wait(beat, 1, 0n, ${BEAT_MS});
  if (Atomics.load(beat, 1) === 1n) break;
  // The loop may have turned up to one beat after its last stamp without stamping again, so it has
  // surely stood still only for what is past that beat.
  const stalledMs = Date.now() - Number(Atomics.load(beat, 0)) - ${BEAT_MS};
  if (stalledMs > limitMs) {
    writeSync(2, JSON.stringify({ level: 'fatal', time: new Date().toISOString(), context: 'watchdog',
      msg: 'the event loop has not turned for ' + Math.round(stalledMs / 1000) + ' s (WATCHDOG_SECONDS=' +
        workerData.seconds + '): ending the process so that its supervisor starts it again' }) + '\\n');
    process.kill(process.pid, 'SIGKILL');
  }
}
`;

/** Starts watching this process's event loop; `seconds` 0 turns the watchdog off. */
export function startWatchdog(seconds: number): Watchdog {
  if (seconds <= 0) return { stop: () => Promise.resolve() };
  // [0]: the last moment the loop turned (Unix milliseconds: whole seconds made the watchdog end a
  // loop that had stood still for a second less than its limit); [1]: 1 once the watchdog is stopped.
  const shared = new SharedArrayBuffer(16);
  const beat = new BigInt64Array(shared);
  const stamp = () => Atomics.store(beat, 0, BigInt(Date.now()));
  stamp();
  const timer = setInterval(stamp, BEAT_MS);
  timer.unref();
  const worker = new Worker(WATCHER_SOURCE, { eval: true, workerData: { shared, seconds } });
  worker.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      Atomics.store(beat, 1, 1n);
      Atomics.notify(beat, 1);
      await worker.terminate();
    },
  };
}
