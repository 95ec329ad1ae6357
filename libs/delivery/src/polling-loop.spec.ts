import { PollingLoop } from './polling-loop';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('PollingLoop', () => {
  let release: () => void = () => {};
  let runs = 0;
  const job = () => {
    runs += 1;
    return new Promise<void>((resolve) => (release = resolve));
  };
  beforeEach(() => {
    runs = 0;
    jest.useFakeTimers({ doNotFake: ['setImmediate'] });
  });
  afterEach(() => jest.useRealTimers());

  it('runs at start, then once per interval after each run ends, never two at once', async () => {
    const loop = new PollingLoop(job, 1000, () => {});
    loop.start();
    loop.start(); // a second start changes nothing
    jest.advanceTimersByTime(0);
    expect(runs).toBe(1);
    jest.advanceTimersByTime(5000);
    expect(runs).toBe(1); // the first run has not ended
    release();
    await tick();
    jest.advanceTimersByTime(999);
    expect(runs).toBe(1);
    jest.advanceTimersByTime(1);
    expect(runs).toBe(2);
    release();
    await loop.stop();
  });

  it('runs again right after the current run when woken during it, and at once when idle', async () => {
    const loop = new PollingLoop(job, 60_000, () => {});
    loop.start();
    jest.advanceTimersByTime(0);
    loop.wake();
    release();
    await tick();
    jest.advanceTimersByTime(0);
    expect(runs).toBe(2);
    release();
    await tick();
    loop.wake();
    jest.advanceTimersByTime(0);
    expect(runs).toBe(3);
    release();
    await loop.stop();
  });

  it('reports a failed run and goes on; after stop, neither time nor wake runs it', async () => {
    const errors: unknown[] = [];
    const loop = new PollingLoop(
      () => Promise.reject(new Error('database gone')),
      100,
      (e) => errors.push(e),
    );
    loop.start();
    jest.advanceTimersByTime(0);
    await tick();
    jest.advanceTimersByTime(100);
    await tick();
    expect(errors).toHaveLength(2);
    await loop.stop();
    loop.wake();
    jest.advanceTimersByTime(1000);
    await tick();
    expect(errors).toHaveLength(2);
  });

  it('stop waits for the run in progress', async () => {
    const loop = new PollingLoop(job, 1000, () => {});
    loop.start();
    jest.advanceTimersByTime(0);
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await tick();
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(stopped).toBe(true);
  });
});
