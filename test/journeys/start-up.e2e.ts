/**
 * Issue 11, items 6 and 8: `npm start` starts at once when dist/ is up to date (no build, nothing
 * rewritten), and every start-up failure is one line on stderr and a non-zero exit, never a stack:
 * a bad setting, a second instance, a port in use (HTTP or SMTP), an unreachable DATABASE_URL.
 * Each from a fresh data directory, started as the operator starts it.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { join } from 'node:path';
import { freePort } from '../support/ports';
import { cordon, emptyLocation, Location, root, run, Run, Service, serviceEnv, startService } from '../support/service';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { staleReason } = require('../../scripts/build.js') as { staleReason(dir: string): string | undefined };

/** Far below a build (40 s and more), and a few times what it takes on an idle machine. */
const AT_ONCE_MS = 10_000;

describe('starting the service', () => {
  jest.setTimeout(240_000);
  let location: Location;
  let env: NodeJS.ProcessEnv;
  let httpPort: number;
  let smtpPort: number;
  const lock = () => join(location.dataDir, 'cordon.lock');

  /** One line on stderr, and nothing that looks like a stack. */
  const oneLine = (failed: Run) => {
    expect(failed.code).toBe(1);
    expect(failed.stderr).not.toMatch(/^\s+at /m);
    return failed.stderr.split('\n').filter(Boolean);
  };

  /** `npm start` as the operator types it: what it printed, how long it took, and whether it built. */
  async function npmStart(extra: Record<string, string>): Promise<Run & { built: boolean }> {
    const stamp = join(root, 'dist', '.build-stamp');
    const before = readFileSync(stamp, 'utf8');
    const main = statSync(join(root, 'dist', 'apps', 'cordon', 'src', 'main.js')).mtimeMs;
    const started = await run('npm', ['start'], { cwd: root, env: { ...env, ...extra } });
    const built =
      readFileSync(stamp, 'utf8') !== before ||
      statSync(join(root, 'dist', 'apps', 'cordon', 'src', 'main.js')).mtimeMs !== main;
    return { ...started, built };
  }

  /** A source saved after this run's build (by someone editing the checkout) makes `npm start` build, rightly. */
  function builtAndUnchanged(): boolean {
    const reason = staleReason(root);
    if (reason) console.warn(`start-up.e2e: ${reason} (saved after this run's build): npm start is not run`);
    return reason === undefined;
  }

  beforeAll(async () => {
    location = await emptyLocation();
    httpPort = await freePort();
    smtpPort = await freePort();
    env = serviceEnv(location, { httpPort, smtpPort });
  });

  afterAll(async () => {
    await location?.remove();
  });

  it('`npm start` with dist/ up to date builds nothing, and tells a bad setting at once, in one line', async () => {
    if (!builtAndUnchanged()) return;
    const started = await npmStart({ HTTP_PORT: 'eighty' });
    expect(oneLine(started)).toEqual(['Invalid setting HTTP_PORT: must be a port number 0-65535 (got "eighty")']);
    expect(started.built).toBe(false);
    expect(started.ms).toBeLessThan(AT_ONCE_MS);
  });

  it('a port in use stops the start with one line naming HTTP_PORT or SMTP_PORT, and frees the data directory', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(httpPort, '127.0.0.1', resolve));
    try {
      const http = await cordon(['serve'], { cwd: root, env });
      expect(oneLine(http)).toEqual([
        `Cannot listen on HTTP_HOST:HTTP_PORT (127.0.0.1:${httpPort}): the port is in use by another program (EADDRINUSE); ` +
          'stop it, or set HTTP_PORT to a free port.',
      ]);
      const smtp = await cordon(['serve'], { cwd: root, env: { ...env, HTTP_PORT: '0', SMTP_PORT: String(httpPort) } });
      expect(oneLine(smtp)).toEqual([
        `Cannot listen on SMTP_HOST:SMTP_PORT (127.0.0.1:${httpPort}): the port is in use by another program (EADDRINUSE); ` +
          'stop it, or set SMTP_PORT to a free port.',
      ]);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
    expect(existsSync(lock())).toBe(false); // the embedded database was closed, not abandoned
  });

  it('a second `npm start` on the same data is refused at once, in one line, and the first goes on', async () => {
    let first: Service | undefined;
    try {
      first = await startService(env, httpPort);
      const fresh = builtAndUnchanged();
      const second = fresh ? await npmStart({}) : { ...(await cordon(['serve'], { cwd: root, env })), built: false };
      const [line, ...more] = oneLine(second);
      expect(more).toEqual([]);
      // The embedded database is one process's; on PostgreSQL the same ports are what two cannot share.
      expect(line).toBe(
        location.databaseUrl
          ? `Cannot listen on HTTP_HOST:HTTP_PORT (127.0.0.1:${httpPort}): the port is in use by another program (EADDRINUSE); ` +
              'stop it, or set HTTP_PORT to a free port.'
          : `DATA_DIR ${location.dataDir} holds an embedded database that is in use by process ${first.child.pid}, and the ` +
              'embedded database serves one process only: stop that process, or set DATABASE_URL to a PostgreSQL server ' +
              'to run several processes.',
      );
      if (fresh) {
        expect(second.built).toBe(false);
        expect(second.ms).toBeLessThan(AT_ONCE_MS);
      }
      expect((await fetch(`http://127.0.0.1:${httpPort}/healthz`)).status).toBe(200);
    } finally {
      await first?.stop();
    }
  });

  it('an unreachable DATABASE_URL stops the start with one line, without its password', async () => {
    const nobody = await freePort();
    const failed = await cordon(['serve'], {
      cwd: root,
      env: { ...env, DATABASE_URL: `postgres://cordon:sekrit@127.0.0.1:${nobody}/cordon` },
    });
    expect(oneLine(failed)).toEqual([
      `Cannot connect to the PostgreSQL server of DATABASE_URL (postgres://cordon@127.0.0.1:${nobody}/cordon): ` +
        `connect ECONNREFUSED 127.0.0.1:${nobody}; check that it runs, and the address, user, password and database name.`,
    ]);
  });
});
