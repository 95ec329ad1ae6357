/**
 * Back it up (issue 6): a populated instance on the embedded database is backed up into one
 * OpenPGP-encrypted file (to a maintainer's gpg key, or to a passphrase) and restored into a new
 * PostgreSQL database, and from there back into a new embedded one; every row comes back exactly,
 * the audit chain verifies, the list key opens with its fingerprint unchanged, sealed subjects
 * still open. Hostile cases: a non-empty target, a wrong passphrase, a tampered file, another
 * server secret; each refused with nothing changed. The built `cordon` command: backup-command.e2e.ts.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { readPrivateKey } from 'openpgp';
import { auditChainKey, verifyAuditChain } from '@cordon/audit';
import { ServerSecret } from '@cordon/crypto';
import { restoreBackup } from '@cordon/runtime';
import {
  MEMBERS,
  PASSPHRASE,
  snapshot,
  aTarget,
  restoreInto,
  refusal,
  backupWorld,
  Snapshot,
} from './support/backup-world';

describe('backup and restore', () => {
  const world = backupWorld();
  const { work, sourceSettings, gpg, backup, skipWithoutPostgres, expectRestored } = world;
  let maintainerFingerprint: string;
  let listFingerprint: string;
  let source: Snapshot;
  let pgReachable: boolean;

  beforeAll(() => {
    ({ maintainerFingerprint, listFingerprint, source, pgReachable } = world.state());
  });

  it('restores a backup encrypted to the maintainer key into a new PostgreSQL database, exactly', async () => {
    if (skipWithoutPostgres()) return;
    const file = join(work, 'to-maintainers.cordon');
    const written = await backup(file, { to: 'maintainers' });
    expect(written.recipients).toEqual(['alice@project.example']);
    const target = await aTarget('postgres');
    const maintainerKey = await readPrivateKey({ armoredKey: await gpg.exportSecret(maintainerFingerprint) });
    const summary = await restoreInto(target, file, { with: 'secret-key', key: maintainerKey });
    expect(summary.rows).toBe(written.rows);
    await expectRestored(target, summary);
  }, 120_000);

  it('a maintainer opens the backup with gpg; the decrypted stream restores as well', async () => {
    if (skipWithoutPostgres()) return;
    const file = join(work, 'for-gpg.cordon');
    await backup(file, { to: 'maintainers' });
    const opened = await gpg.decrypt(readFileSync(file));
    expect(opened.decrypted).toBe(true);
    const target = await aTarget('postgres');
    const database = await target.open();
    try {
      const summary = await restoreBackup({
        dataSource: database.dataSource,
        settings: target.settings,
        input: Readable.from([opened.plaintext]),
        decryption: { with: 'none' },
      });
      expect(summary.listKeyFingerprint).toBe(listFingerprint);
    } finally {
      await database.close();
    }
  }, 120_000);

  it('round-trips with a passphrase: embedded -> PostgreSQL -> embedded', async () => {
    if (skipWithoutPostgres()) return;
    const first = join(work, 'passphrase-1.cordon');
    await backup(first, { to: 'passphrase', passphrase: PASSPHRASE });
    const postgres = await aTarget('postgres');
    await expectRestored(postgres, await restoreInto(postgres, first, { with: 'passphrase', passphrase: PASSPHRASE }));

    // From PostgreSQL back to the embedded database: the restore's own audit entry comes along.
    const second = join(work, 'passphrase-2.cordon');
    await backup(second, { to: 'passphrase', passphrase: PASSPHRASE }, postgres.dataDir, postgres.databaseUrl);
    const embedded = await aTarget('embedded');
    const summary = await restoreInto(embedded, second, { with: 'passphrase', passphrase: PASSPHRASE });
    expect(summary.listKeyFingerprint).toBe(listFingerprint);
    const database = await embedded.open();
    try {
      const restoredKey = auditChainKey(ServerSecret.loadOrCreate(embedded.settings.secretKeyFile));
      await expect(verifyAuditChain(database.dataSource, restoredKey)).resolves.toMatchObject({
        ok: true,
        entries: source.get('audit_entry')!.length + 2,
      });
      expect((await snapshot(database.dataSource)).get('member')).toEqual(source.get('member'));
    } finally {
      await database.close();
    }
  }, 180_000);

  it('holds no plaintext: no member address, subject or server secret in the file', async () => {
    const file = join(work, 'grep.cordon');
    await backup(file, { to: 'passphrase', passphrase: PASSPHRASE });
    const bytes = readFileSync(file);
    const secretText = readFileSync(sourceSettings.secretKeyFile, 'utf8').trim();
    const needles = [
      ...MEMBERS,
      'alice@project.example',
      'libwidget',
      'BEGIN PGP',
      'cordon-backup',
      secretText,
      Buffer.from(secretText, 'base64').toString('latin1'),
    ];
    for (const needle of needles) expect(bytes.includes(Buffer.from(needle, 'latin1'))).toBe(false);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // GnuPG 2.2 opens a passphrase backup too (the README says so): gzip inside.
    const opened = await gpg.run(['--passphrase', PASSPHRASE, '--decrypt'], bytes);
    expect(opened.code).toBe(0);
    expect([...opened.stdout.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
  }, 60_000);

  it('refuses a restore into a database that holds data, and changes nothing', async () => {
    if (skipWithoutPostgres()) return;
    const file = join(work, 'again.cordon');
    await backup(file, { to: 'passphrase', passphrase: PASSPHRASE });
    const target = await aTarget('postgres');
    await restoreInto(target, file, { with: 'passphrase', passphrase: PASSPHRASE });
    const before = await (async () => {
      const db = await target.open();
      try {
        return await snapshot(db.dataSource);
      } finally {
        await db.close();
      }
    })();
    const error = await refusal(restoreInto(target, file, { with: 'passphrase', passphrase: PASSPHRASE }));
    expect(error.message).toMatch(/target is not empty.*member.*nothing was changed/s);
    const db = await target.open();
    try {
      expect(await snapshot(db.dataSource)).toEqual(before);
    } finally {
      await db.close();
    }
  }, 120_000);

  it('refuses a wrong passphrase cleanly, writing nothing', async () => {
    const file = join(work, 'wrong.cordon');
    await backup(file, { to: 'passphrase', passphrase: PASSPHRASE });
    const target = await aTarget('embedded');
    const error = await refusal(
      restoreInto(target, file, { with: 'passphrase', passphrase: 'not the passphrase at all' }),
    );
    expect(error.message).toBe('The passphrase does not open this backup; nothing was restored.');
    expect(existsSync(target.settings.secretKeyFile)).toBe(false);
  }, 60_000);

  it('refuses a tampered file (OpenPGP integrity), and the target stays empty', async () => {
    if (skipWithoutPostgres()) return;
    const file = join(work, 'tampered.cordon');
    await backup(file, { to: 'passphrase', passphrase: PASSPHRASE });
    const bytes = readFileSync(file);
    for (const at of [Math.floor(bytes.length / 2), bytes.length - 5]) {
      const tampered = Buffer.from(bytes);
      tampered[at] ^= 0x01;
      const altered = join(work, `tampered-${at}.cordon`);
      writeFileSync(altered, tampered);
      const target = await aTarget('postgres');
      const error = await refusal(restoreInto(target, altered, { with: 'passphrase', passphrase: PASSPHRASE }));
      expect(error.message).toMatch(/damaged or was altered.*nothing was restored/);
      expect(existsSync(target.settings.secretKeyFile)).toBe(false);
      const db = await target.open();
      try {
        const left = (await db.dataSource.query(
          `SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = current_schema()`,
        )) as { n: number }[];
        expect(left[0].n).toBe(0);
      } finally {
        await db.close();
      }
    }
  }, 120_000);

  it('refuses a backup from a schema this code does not know, and a truncated stream', async () => {
    const file = join(work, 'plain.cordon');
    await backup(file, { to: 'maintainers' });
    const lines = gunzipSync((await gpg.decrypt(readFileSync(file))).plaintext)
      .toString('utf8')
      .split('\n');
    const header = JSON.parse(lines[0]) as { migrations: string[] };
    const future = [JSON.stringify({ ...header, migrations: [...header.migrations, 'FromTheFuture9999999999999'] })];
    const cases: [string[], RegExp][] = [
      [[...future, ...lines.slice(1)], /schema this one does not know \(migration FromTheFuture9999999999999\)/],
      [[...lines.slice(0, -3), ''], /damaged or was altered \(it ends before its last line\)/],
      [[...lines.slice(0, 5), ...lines.slice(6)], /damaged or was altered/],
    ];
    for (const [altered, message] of cases) {
      const target = await aTarget(pgReachable ? 'postgres' : 'embedded');
      const database = await target.open();
      try {
        const error = await refusal(
          restoreBackup({
            dataSource: database.dataSource,
            settings: target.settings,
            input: Readable.from([gzipSync(altered.join('\n'))]),
            decryption: { with: 'none' },
          }),
        );
        expect(error.message).toMatch(message);
        const left = (await database.dataSource.query(
          `SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = current_schema()`,
        )) as { n: number }[];
        expect(left[0].n).toBe(0);
        expect(existsSync(target.settings.secretKeyFile)).toBe(false);
      } finally {
        await database.close();
      }
    }
  }, 120_000);

  it('refuses to overwrite a different server secret, and changes nothing', async () => {
    const file = join(work, 'secret.cordon');
    await backup(file, { to: 'passphrase', passphrase: PASSPHRASE });
    const target = await aTarget('embedded');
    const other = `${randomBytes(32).toString('base64')}\n`;
    writeFileSync(target.settings.secretKeyFile, other, { mode: 0o600 });
    const error = await refusal(restoreInto(target, file, { with: 'passphrase', passphrase: PASSPHRASE }));
    expect(error.message).toMatch(/already holds a different server secret/);
    expect(readFileSync(target.settings.secretKeyFile, 'utf8')).toBe(other);
    const db = await target.open();
    try {
      const left = (await db.dataSource.query(
        `SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = current_schema()`,
      )) as { n: number }[];
      expect(left[0].n).toBe(0);
    } finally {
      await db.close();
    }
  }, 60_000);
});
