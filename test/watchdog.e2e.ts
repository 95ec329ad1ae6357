/**
 * Issue 10: a process that stops answering is replaced. `cordon serve` is started with a small
 * WATCHDOG_SECONDS and its event loop is then stopped on purpose (a preloaded handler spins for
 * ever on SIGUSR2); the watchdog must end it with SIGKILL, saying why on stderr, and a restart on
 * the same data must serve again, as a supervisor's would.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freshDatabaseLocation } from './support/database';
import { freePort, waitForPort } from './support/ports';

const root = join(__dirname, '..');
const blocker = join(__dirname, 'fixtures', 'block-event-loop-on-sigusr2.js');

describe('the liveness watchdog', () => {
  jest.setTimeout(120_000);
  let location: Awaited<ReturnType<typeof freshDatabaseLocation>>;
  let running: ChildProcess | undefined;
  let httpPort: number;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    location = await freshDatabaseLocation();
    httpPort = await freePort();
    env = {
      ...process.env,
      DATA_DIR: location.dataDir,
      ...(location.databaseUrl ? { DATABASE_URL: location.databaseUrl } : {}),
      LOG_LEVEL: 'warn',
      HTTP_PORT: String(httpPort),
      SMTP_PORT: String(await freePort()),
      WATCHDOG_SECONDS: '2',
    };
  });

  afterEach(async () => {
    if (running && running.exitCode === null && running.signalCode === null) {
      running.kill('SIGKILL');
      await new Promise((r) => running!.once('exit', r));
    }
    running = undefined;
  });

  afterAll(async () => {
    await location?.remove();
  });

  async function start(): Promise<{ child: ChildProcess; stderr: () => string }> {
    const child = spawn(process.execPath, ['--require', blocker, join(root, 'bin', 'cordon'), 'serve'], {
      cwd: root,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    running = child;
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    await waitForPort(httpPort, child, () => stderr);
    return { child, stderr: () => stderr };
  }

  const healthy = async () => (await fetch(`http://127.0.0.1:${httpPort}/healthz`)).status === 200;

  it('ends a process whose event loop stopped, and the restarted process serves again', async () => {
    const { child, stderr } = await start();
    // A loop that turns is left alone, however long the watchdog's limit has passed since start.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await healthy()).toBe(true);

    const blockedAt = Date.now();
    child.kill('SIGUSR2');
    const [code, signal] = (await new Promise((r) => child.once('exit', (...args) => r(args)))) as [
      number | null,
      NodeJS.Signals | null,
    ];
    const tookMs = Date.now() - blockedAt;

    expect({ code, signal }).toEqual({ code: null, signal: 'SIGKILL' });
    expect(tookMs).toBeGreaterThanOrEqual(2_000);
    expect(tookMs).toBeLessThan(15_000);
    expect(stderr()).toMatch(/event loop has not turned for \d+ s \(WATCHDOG_SECONDS=2\)/);

    // What the supervisor does next: start it again on the same data.
    await start();
    expect(await healthy()).toBe(true);
  });
});
