/**
 * The operator's CLI, run as the operator runs it (the built `cordon` command in a child process),
 * against a fresh database: embedded by default, PostgreSQL when DATABASE_URL is set.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readKey } from 'openpgp';
import { queryBetweenRuns, Run, runCordon } from './support/cordon-process';
import { freshDatabaseLocation } from './support/database';
import { GpgHome } from './support/gpg';

const root = join(__dirname, '..');
const cordon = join(root, 'bin', 'cordon');

// Each test runs the command a few times, a few seconds each on a quiet machine; on a busy 2-CPU
// machine one start can take tens of seconds, so a test has room for several.
jest.setTimeout(240_000);

describe('cordon CLI', () => {
  let env: Record<string, string>;
  let location: Awaited<ReturnType<typeof freshDatabaseLocation>>;
  let gpg: GpgHome;

  const cli = (args: string[], extraEnv: Record<string, string> = {}): Run => runCordon(args, { ...env, ...extraEnv });
  // The embedded database is opened by one process at a time: read it between the CLI's runs.
  const query = (sql: string, params: unknown[] = []) => queryBetweenRuns(location, sql, params);

  beforeAll(async () => {
    // The CLI runs compiled, as installed: test/support/global-setup.ts built this checkout.
    location = await freshDatabaseLocation();
    env = {
      DATA_DIR: location.dataDir,
      LIST_ADDRESS: 'distributors@example.org',
      LOG_LEVEL: 'silent',
      HTTP_PORT: '0',
      SMTP_PORT: '0',
    };
    if (location.databaseUrl) env.DATABASE_URL = location.databaseUrl;
    gpg = GpgHome.create();
  }, 120_000);

  afterAll(async () => {
    await gpg?.cleanup();
    await location?.remove();
  });

  it('init prints the list key fingerprint, and is safe to run twice', () => {
    const first = cli(['init']);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^[0-9A-F]{40}\n$/);
    const second = cli(['init']);
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(first.stdout);
  });

  it('npm run -s cli prints only the command output', () => {
    const run = spawnSync('npm', ['run', '-s', 'cli', '--', 'init'], {
      cwd: root,
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^[0-9A-F]{40}\n$/);
  });

  it('list-key export prints the armored public key that gpg imports with that fingerprint', async () => {
    const fingerprint = cli(['init']).stdout.trim();
    const exported = cli(['list-key', 'export']);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(/^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
    expect(exported.stdout).not.toMatch(/PRIVATE KEY/);
    await gpg.importKey(exported.stdout);
    const listed = await gpg.must(['--with-colons', '--list-keys', fingerprint]);
    expect(listed.stdout.toString()).toContain(fingerprint);
  });

  it('keeps the list key encrypted at rest', async () => {
    const [row] = await query('SELECT encrypted_private_key FROM list_key');
    const { readPrivateKey } = await import('openpgp');
    const key = await readPrivateKey({ armoredKey: String(row.encrypted_private_key) });
    expect(key.isDecrypted()).toBe(false);
  });

  it('member import brings a member over, active, with or without the policy acknowledged', async () => {
    const ackKey = join(location.dataDir, 'ack.asc');
    writeFileSync(ackKey, await gpg.exportPublic(await gpg.generateKey('sec@imported-a.example')));
    const acked = cli([
      'member',
      'import',
      '--email',
      'sec@imported-a.example',
      '--org',
      'Imported A',
      '--key',
      ackKey,
      '--acknowledged',
    ]);
    expect(acked.code).toBe(0);
    const noAckKey = join(location.dataDir, 'noack.gpg');
    writeFileSync(noAckKey, await gpg.exportPublic(await gpg.generateKey('sec@imported-b.example'), false));
    const plain = cli([
      'member',
      'import',
      '--email',
      'sec@imported-b.example',
      '--org',
      'Imported B',
      '--key',
      noAckKey,
    ]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('must acknowledge the policy');
    const rows = await query('SELECT email, status, acknowledged_policy_version AS ack FROM member ORDER BY email');
    expect(rows).toEqual([
      { email: 'sec@imported-a.example', status: 'active', ack: 1 },
      { email: 'sec@imported-b.example', status: 'active', ack: null },
    ]);
    const [audit] = await query(`SELECT details FROM audit_entry WHERE action = 'policy.acknowledged'`);
    expect(audit.details).toMatchObject({ how: 'imported', version: 1 });
  });

  it('member import refuses an expired key with one clear line and imports nothing', async () => {
    const file = join(location.dataDir, 'expired.asc');
    const fpr = await gpg.generateKey('sec@expired.example', { expire: '1d', madeAt: '20200101T000000' });
    writeFileSync(file, await gpg.exportPublic(fpr));
    const run = cli(['member', 'import', '--email', 'sec@expired.example', '--org', 'Expired', '--key', file]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toMatch(/^KEY_EXPIRED: This key expired on 2020-01-02/);
    expect(await query(`SELECT id FROM member WHERE email = 'sec@expired.example'`)).toEqual([]);
  });

  it('maintainer add prints a one-time enrolment link', async () => {
    const file = join(location.dataDir, 'maint.asc');
    writeFileSync(file, await gpg.exportPublic(await gpg.generateKey('maint@project.example')));
    const run = cli(['maintainer', 'add', '--email', 'maint@project.example', '--name', 'Mai Ntainer', '--key', file]);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toMatch(/^http:\/\/127\.0\.0\.1:0\/admin\/enrol\/[A-Za-z0-9_-]{40,}$/);
    const [row] = await query(`SELECT status FROM maintainer WHERE email = 'maint@project.example'`);
    expect(row.status).toBe('invited');
    // Only the token's hash is stored.
    const token = run.stdout.trim().split('/').pop()!;
    expect(await query('SELECT hash FROM one_time_token WHERE hash = $1', [token])).toEqual([]);
  });

  it('maintainer disable, enable and remove change a maintainer at once, never the last one', async () => {
    const file = join(location.dataDir, 'other.asc');
    writeFileSync(file, await gpg.exportPublic(await gpg.generateKey('other@project.example')));
    expect(cli(['maintainer', 'add', '--email', 'other@project.example', '--name', 'Other', '--key', file]).code).toBe(
      0,
    );
    const status = async (email: string) =>
      (await query('SELECT status FROM maintainer WHERE email = $1', [email]))[0].status as string;

    const disabled = cli(['maintainer', 'disable', '--email', 'other@project.example']);
    expect([disabled.code, disabled.stdout.trim()]).toEqual([0, 'other@project.example: disabled']);
    expect(cli(['maintainer', 'enable', '--email', 'other@project.example']).code).toBe(0);
    expect(await status('other@project.example')).toBe('invited');
    expect(cli(['maintainer', 'remove', '--email', 'other@project.example']).code).toBe(0);
    expect(await status('other@project.example')).toBe('removed');

    // The one maintainer left cannot go, and nothing changes.
    const refused = cli(['maintainer', 'disable', '--email', 'maint@project.example']);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toMatch(/^LAST_ACTIVE_MAINTAINER: Mai Ntainer is the last active maintainer/);
    expect(await status('maint@project.example')).toBe('invited');
    expect(cli(['maintainer', 'enable', '--email', 'other@project.example']).code).toBe(1);
    expect(await status('other@project.example')).toBe('removed');
  });

  it('every command has --help', () => {
    for (const args of [
      ['--help'],
      ['serve', '--help'],
      ['init', '--help'],
      ['list-key', 'export', '--help'],
      ['list-key', 'import', '--help'],
      ['maintainer', 'add', '--help'],
      ['maintainer', 'disable', '--help'],
      ['maintainer', 'enable', '--help'],
      ['maintainer', 'remove', '--help'],
      ['member', 'import', '--help'],
      ['audit', 'verify', '--help'],
    ]) {
      const run = cli(args);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^Usage: cordon/);
    }
  });

  it('a bad setting stops the command with one line naming it', () => {
    const run = cli(['init'], { HTTP_PORT: 'eighty' });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('Invalid setting HTTP_PORT: must be a port number 0-65535 (got "eighty")\n');
  });

  it('restore of a backup file that is not there says so in one line, and changes nothing', () => {
    const passphrase = join(location.dataDir, 'restore-pass.txt');
    writeFileSync(passphrase, 'a long passphrase for the test\n', { mode: 0o600 });
    const run = cli(['restore', join(location.dataDir, 'no-such.cordon'), '--passphrase-file', passphrase]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `INVALID_INPUT: Cannot read the backup file ${join(location.dataDir, 'no-such.cordon')}: it does not exist or is not readable.\n`,
    );
  });

  it('audit verify passes an intact log, then names the first edited entry', async () => {
    const ok = cli(['audit', 'verify']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^audit log intact: \d+ entries/);
    await query(`UPDATE audit_entry SET actor = 'someone-else' WHERE seq = 3`);
    const bad = cli(['audit', 'verify']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/BROKEN at entry 3: contents changed/);
  });

  it('runs a command through the `cordon serve` that holds the embedded data directory, as soon as it is up', async () => {
    if (location.databaseUrl) return; // PostgreSQL is made for several processes
    const fingerprint = cli(['init']).stdout;
    const server = spawn(process.execPath, [cordon, 'serve'], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: 'ignore',
    });
    try {
      const lock = join(location.dataDir, 'cordon.lock');
      for (let i = 0; i < 100 && !existsSync(lock); i++) await new Promise((r) => setTimeout(r, 100));
      // The service holds the lock and is still starting: the command waits for it, then runs in it.
      const run = cli(['init']);
      expect([run.code, run.stdout, run.stderr]).toEqual([0, fingerprint, '']);
    } finally {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    }
    // After the server stops, the directory opens again and is intact.
    expect(cli(['audit', 'verify']).code).toBe(1); // still the row edited above, nothing else
  });

  it('a second `cordon serve` on the same embedded DATA_DIR stops with one line naming DATA_DIR and DATABASE_URL', async () => {
    if (location.databaseUrl) return; // PostgreSQL is made for several processes (test/scale-out.e2e.ts)
    const first = spawn(process.execPath, [cordon, 'serve'], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: 'ignore',
    });
    try {
      const lock = join(location.dataDir, 'cordon.lock');
      for (let i = 0; i < 100 && !existsSync(lock); i++) await new Promise((r) => setTimeout(r, 100));
      const second = cli(['serve', '--role', 'worker']);
      expect(second.code).toBe(1);
      expect(second.stdout).toBe('');
      expect(second.stderr).toBe(
        `DATA_DIR ${location.dataDir} holds an embedded database that is in use by process ${first.pid}, ` +
          'and the embedded database serves one process only: stop that process, or set DATABASE_URL to a ' +
          'PostgreSQL server to run several processes.\n',
      );
      expect(first.exitCode).toBeNull(); // the first goes on, untouched
      expect(existsSync(lock)).toBe(true); // and keeps its lock
    } finally {
      first.kill('SIGTERM');
      await new Promise((r) => first.once('exit', r));
    }
  });
});

describe('cordon list-key import', () => {
  let env: Record<string, string>;
  let location: Awaited<ReturnType<typeof freshDatabaseLocation>>;
  let gpg: GpgHome;
  const cli = (args: string[]): Run => runCordon(args, env);

  beforeAll(async () => {
    location = await freshDatabaseLocation();
    env = { DATA_DIR: location.dataDir, LIST_ADDRESS: 'distributors@example.org', LOG_LEVEL: 'silent' };
    if (location.databaseUrl) env.DATABASE_URL = location.databaseUrl;
    gpg = GpgHome.create();
  });
  afterAll(async () => {
    await gpg?.cleanup();
    await location?.remove();
  });

  it('a refused import on a fresh data directory leaves no list key behind: the fixed key then imports', async () => {
    const fpr = await gpg.sha1Key('distributors@example.org', { userId: 'Old list <distributors@example.org>' });
    const file = join(location.dataDir, 'sha1-list.sec.asc');
    writeFileSync(file, await gpg.exportSecret(fpr), { mode: 0o600 });
    const refused = cli(['list-key', 'import', file]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^KEY_SHA1_SELF_SIGNATURE: /);
    // Nothing was made in its place: there is still no list key to export.
    const none = cli(['list-key', 'export']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^LIST_KEY_MISSING: /);
    // The fix the refusal names, pasted into a shell, then the same import.
    expect(await gpg.followAdvice(refused.stderr)).toHaveLength(2);
    writeFileSync(file, await gpg.exportSecret(fpr), { mode: 0o600 });
    const adopted = cli(['list-key', 'import', file]);
    expect(adopted.code).toBe(0);
    expect(adopted.stdout.trim()).toBe(fpr);
    const exported = cli(['list-key', 'export']);
    expect(exported.code).toBe(0);
    expect((await readKey({ armoredKey: exported.stdout })).getFingerprint().toUpperCase()).toBe(fpr);
    // init keeps the imported key and publishes the first policy.
    const init = cli(['init']);
    expect(init.stdout.trim()).toBe(fpr);
    expect(init.stderr).not.toContain('created the list key');
  });

  it('refuses a SHA-1 list key with the fix, then adopts it with --recertify keeping the fingerprint', async () => {
    const fpr = await gpg.generateKey('distributors@example.org', { sha1: true });
    const file = join(location.dataDir, 'old-list.sec.asc');
    writeFileSync(file, await gpg.exportSecret(fpr), { mode: 0o600 });
    const refused = cli(['list-key', 'import', file, '--replace']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^KEY_SHA1_SELF_SIGNATURE: /);
    expect(refused.stderr).toContain('--quick-set-expire');
    expect(refused.stderr).toContain('--recertify');
    const adopted = cli(['list-key', 'import', file, '--replace', '--recertify']);
    expect(adopted.code).toBe(0);
    expect(adopted.stdout.trim()).toBe(fpr);
    expect(cli(['init']).stdout.trim()).toBe(fpr);
  });

  it('refuses to replace the list key unless asked, and refuses a public key', async () => {
    const fpr = await gpg.generateKey('distributors2@example.org');
    const secret = join(location.dataDir, 'new.sec.asc');
    writeFileSync(secret, await gpg.exportSecret(fpr), { mode: 0o600 });
    const kept = cli(['list-key', 'import', secret]);
    expect(kept.code).toBe(1);
    expect(kept.stderr).toMatch(/^ALREADY_EXISTS: /);
    const pub = join(location.dataDir, 'new.pub.asc');
    writeFileSync(pub, await gpg.exportPublic(fpr));
    const refused = cli(['list-key', 'import', pub, '--replace']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^KEY_NOT_SECRET: /);
  });
});
