/**
 * Back it up (issue 6) with the built `cordon` command: `cordon backup` to a passphrase or to the
 * maintainers, `cordon restore` from a file or from gpg's output on stdin, and `cordon audit verify`
 * on what it restored (test/backup.e2e.ts tests the same through the runtime's functions).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { anOpenpgpKey } from './support/keys';
import { root, PASSPHRASE, aTarget, backupWorld } from './support/backup-world';

describe('backup and restore', () => {
  const world = backupWorld();
  const { work, sourceDir, gpg, skipWithoutPostgres } = world;
  let maintainerFingerprint: string;
  let listFingerprint: string;
  let pgReachable: boolean;

  beforeAll(() => {
    ({ maintainerFingerprint, listFingerprint, pgReachable } = world.state());
  });

  describe('the cordon command', () => {
    const cordon = join(root, 'bin', 'cordon');
    const run = (args: string[], env: Record<string, string | undefined>, input?: Buffer) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, [cordon, ...args], {
          cwd: root,
          env: { ...process.env, DATABASE_URL: undefined, LOG_LEVEL: 'silent', ...env },
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
        child.stdin.end(input ?? '');
      });
    const passphraseFile = join(work, 'passphrase.txt');

    beforeAll(() => {
      writeFileSync(passphraseFile, `${PASSPHRASE}\n`, { mode: 0o600 });
      if (!existsSync(join(root, 'dist', 'apps', 'cordon', 'src', 'cli', 'commands', 'backup.js'))) {
        throw new Error('dist/ has no backup command: run this file without CORDON_TEST_SKIP_BUILD');
      }
    });

    it('documents both commands in --help', () => {
      for (const command of ['backup', 'restore']) {
        const help = spawnSync(process.execPath, [cordon, command, '--help'], { cwd: root, encoding: 'utf8' });
        expect(help.status).toBe(0);
        expect(help.stdout).toMatch(/--passphrase-file/);
      }
    });

    it('backs up with a passphrase and restores into PostgreSQL; audit verify passes', async () => {
      if (skipWithoutPostgres()) return;
      const file = join(work, 'cli.cordon');
      const made = await run(['backup', file, '--passphrase-file', passphraseFile], { DATA_DIR: sourceDir });
      expect(made).toMatchObject({ code: 0, stdout: `${file}\n` });
      expect(made.stderr).toMatch(/backed up \d+ rows in \d+ tables, encrypted to a passphrase/);
      expect(made.stderr).not.toContain(PASSPHRASE);
      const target = await aTarget('postgres');
      const env = { DATA_DIR: target.dataDir, DATABASE_URL: target.databaseUrl };
      const restored = await run(['restore', file, '--passphrase-file', passphraseFile], env);
      expect(restored).toMatchObject({ code: 0, stdout: `${listFingerprint}\n` });
      const verify = await run(['audit', 'verify'], env);
      expect(verify).toMatchObject({ code: 0 });
      expect(verify.stdout).toMatch(/^audit log intact/);
      const again = await run(['restore', file, '--passphrase-file', passphraseFile], env);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/^WRONG_STATE: The target is not empty/);
    }, 120_000);

    it('backs up to the maintainers; gpg --decrypt piped into restore - brings it back', async () => {
      const file = join(work, 'cli-maintainers.cordon');
      const made = await run(['backup', file], { DATA_DIR: sourceDir });
      expect(made.code).toBe(0);
      expect(made.stderr).toMatch(/encrypted to alice@project\.example/);
      const opened = await gpg.decrypt(readFileSync(file));
      const target = await aTarget('embedded');
      const restored = await run(['restore', '-'], { DATA_DIR: target.dataDir }, opened.plaintext);
      expect(restored).toMatchObject({ code: 0, stdout: `${listFingerprint}\n` });
      expect((await run(['audit', 'verify'], { DATA_DIR: target.dataDir })).code).toBe(0);
      const noWay = await run(['restore', file], { DATA_DIR: target.dataDir });
      expect(noWay.stderr).toMatch(/Say how to open the backup/);

      // The maintainer's secret key given to restore itself; someone else's key opens nothing.
      const second = await aTarget(pgReachable ? 'postgres' : 'embedded');
      const env = { DATA_DIR: second.dataDir, DATABASE_URL: second.databaseUrl };
      const strangerKey = join(work, 'stranger.key');
      writeFileSync(strangerKey, (await anOpenpgpKey('stranger@example.net')).privateKey.armor(), { mode: 0o600 });
      const refused = await run(['restore', file, '--secret-key-file', strangerKey], env);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^INVALID_INPUT: This backup is not encrypted to that key/);
      expect(existsSync(second.settings.secretKeyFile)).toBe(false);
      const keyFile = join(work, 'alice.key');
      writeFileSync(keyFile, await gpg.exportSecret(maintainerFingerprint), { mode: 0o600 });
      const withKey = await run(['restore', file, '--secret-key-file', keyFile], env);
      expect(withKey).toMatchObject({ code: 0, stdout: `${listFingerprint}\n` });
      expect((await run(['audit', 'verify'], env)).code).toBe(0);
    }, 120_000);
  });
});
