/**
 * Back it up (issue 6): a populated instance on the embedded database is backed up into one
 * OpenPGP-encrypted file (to a maintainer's gpg key, or to a passphrase) and restored into a new
 * PostgreSQL database, and from there back into a new embedded one; every row comes back exactly,
 * the audit chain verifies, the list key opens with its fingerprint unchanged, sealed subjects
 * still open. Hostile cases: a non-empty target, a wrong passphrase, a tampered file, another
 * server secret; each refused with nothing changed. The last cases run the built `cordon` command.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { createMessage, decrypt, encrypt, readMessage, readPrivateKey, readKey } from 'openpgp';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { auditChainKey, AuditLog, verifyAuditChain } from '@cordon/audit';
import { Settings } from '@cordon/config';
import { ListKey, openpgpConfig, ServerSecret } from '@cordon/crypto';
import { Embargoes, HeldMail } from '@cordon/embargo';
import { Bans, ImportMember } from '@cordon/membership';
import { Database, openDatabase } from '@cordon/persistence';
import { FanOut, Post, sealPost } from '@cordon/relay';
import {
  allEntities,
  BackupDecryption,
  BackupEncryption,
  initialise,
  openRuntime,
  restoreBackup,
  RestoreSummary,
  writeBackup,
} from '@cordon/runtime';
import { isDataTable, primaryKey, readExpression, schemaTables } from '../libs/runtime/src/backup/backup-format';
import { withDatabaseName } from './support/database';
import { GpgHome } from './support/gpg';
import { anOpenpgpKey } from './support/keys';
import { testSettings } from './support/settings';
import { wiredPolicies } from './support/wired-policies';

const root = join(__dirname, '..');
const SUBJECT = 'Embargo: heap overflow in libwidget, CVE-2099-0001';
const MEMBERS = ['security@distro-one.example', 'psirt@distro-two.example', 'team@distro-three.example'];
const PASSPHRASE = 'correct horse battery staple, backed up';
/** Where scratch PostgreSQL databases are created: the test's own server, or the usual local one. */
const PG_ADMIN = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

type Snapshot = Map<string, (string | null)[][]>;

/** Every row of every table as PostgreSQL's text, in primary-key order: what "exactly the same" means. */
async function snapshot(dataSource: DataSource): Promise<Snapshot> {
  const runner = dataSource.createQueryRunner();
  try {
    const result: Snapshot = new Map();
    for (const table of await schemaTables(runner)) {
      if (!isDataTable(table.name)) continue;
      const key = await primaryKey(runner, table.name);
      const rows = (await runner.query(
        `SELECT json_build_array(${table.columns.map(readExpression).join(', ')}) AS row FROM "${table.name}"` +
          (key.length ? ` ORDER BY ${key.map((k) => `"${k}"`).join(', ')}` : ''),
      )) as { row: (string | null)[] }[];
      result.set(
        table.name,
        rows.map((r) => r.row),
      );
    }
    return result;
  } finally {
    await runner.release();
  }
}

async function pgAdmin<T = Record<string, unknown>>(sql: string): Promise<T[]> {
  const client = new Client({ connectionString: PG_ADMIN, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

/** A target: a new data directory, with a new empty PostgreSQL database or the embedded one. */
interface Target {
  dataDir: string;
  databaseUrl?: string;
  settings: Settings;
  open(): Promise<Database>;
  remove(): Promise<void>;
}

const scratch: Target[] = [];

async function aTarget(kind: 'postgres' | 'embedded'): Promise<Target> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cordon-restore-'));
  let databaseUrl: string | undefined;
  let name: string | undefined;
  if (kind === 'postgres') {
    name = `cordon_restore_${randomUUID().replace(/-/g, '')}`;
    await pgAdmin(`CREATE DATABASE ${name}`);
    databaseUrl = withDatabaseName(PG_ADMIN, name);
  }
  const target: Target = {
    dataDir,
    databaseUrl,
    settings: testSettings({ DATA_DIR: dataDir, DATABASE_URL: databaseUrl }),
    open: () => openDatabase({ databaseUrl, dataDir, entities: allEntities }),
    remove: async () => {
      if (name) await pgAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  scratch.push(target);
  return target;
}

async function restoreInto(target: Target, file: string, decryption: BackupDecryption): Promise<RestoreSummary> {
  const database = await target.open();
  try {
    return await restoreBackup({
      dataSource: database.dataSource,
      settings: target.settings,
      input: createReadStream(file),
      decryption,
    });
  } finally {
    await database.close();
  }
}

async function refusal(work: Promise<unknown>): Promise<Error> {
  const error = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

describe('backup and restore', () => {
  const work = mkdtempSync(join(tmpdir(), 'cordon-backup-'));
  const sourceDir = join(work, 'source');
  const sourceSettings = testSettings({ DATA_DIR: sourceDir });
  const gpg = GpgHome.create();
  let maintainerFingerprint: string;
  let listFingerprint: string;
  let source: Snapshot;
  let pgReachable = true;

  async function backup(file: string, encryption: BackupEncryption, dataDir = sourceDir, databaseUrl?: string) {
    const database = await openDatabase({ dataDir, databaseUrl, entities: allEntities });
    try {
      return await writeBackup({
        dataSource: database.dataSource,
        secretKeyFile: join(dataDir, 'secret.key'),
        cordonVersion: 'test',
        encryption,
        file,
      });
    } finally {
      await database.close();
    }
  }

  const skipWithoutPostgres = () => {
    if (!pgReachable) console.warn(`SKIPPED: PostgreSQL is unreachable at ${PG_ADMIN}; restore into it not tested.`);
    return !pgReachable;
  };

  beforeAll(async () => {
    try {
      await pgAdmin('SELECT 1');
    } catch {
      pgReachable = false;
    }
    // A real instance on the embedded database: list key, policy, a maintainer whose key gpg made,
    // members imported by the real use case, two embargoes and a post fanned out to every member.
    const runtime = await openRuntime(sourceSettings);
    try {
      await initialise(runtime);
      const ds = runtime.database.dataSource;
      const audit = new AuditLog(auditChainKey(runtime.secret));
      maintainerFingerprint = await gpg.generateKey('alice@project.example');
      const maintainerId = randomUUID();
      await ds.query(
        `INSERT INTO maintainer (id, email, name, key_armored, key_fingerprint, status)
         VALUES ($1, 'alice@project.example', 'Alice Maintainer', $2, $3, 'active')`,
        [maintainerId, await gpg.exportPublic(maintainerFingerprint), maintainerFingerprint],
      );
      const policies = wiredPolicies(ds, audit);
      const importMember = new ImportMember(ds, audit, policies, new Bans(audit));
      const members = [];
      for (const email of MEMBERS) {
        const key = await anOpenpgpKey(email);
        const member = await importMember.execute({
          email,
          organisation: email,
          key: key.publicKey,
          acknowledged: true,
        });
        members.push({ memberId: member.id, email, key: await readKey({ armoredKey: key.publicKey }) });
      }
      const embargoes = new Embargoes(audit, sourceSettings, new HeldMail(audit));
      const publicAt = new Date(Date.now() + 4 * 86_400_000).toISOString().slice(0, 16);
      const first = await ds.transaction((m) =>
        embargoes.create(
          m,
          { title: 'libwidget overflow', cveIds: ['CVE-2099-0001'], publicAt, timeZone: 'UTC' },
          'cli',
        ),
      );
      await ds.transaction((m) => embargoes.create(m, { title: 'second issue', publicAt, timeZone: 'UTC' }, 'cli'));
      const listKey = new ListKey(ds, sourceSettings, runtime.secret);
      listFingerprint = (await listKey.find())!.fingerprint;
      const entity = Buffer.from(`Subject: ${SUBJECT}\r\nContent-Type: text/plain\r\n\r\nPatch attached.\r\n`);
      const { sessionKey, bodyPackets } = await sealPost(entity, await listKey.secretKey());
      const fanOut = new FanOut(audit);
      const copies = await fanOut.keyPackets(sessionKey, members);
      await ds.transaction(async (manager) => {
        const postId = randomUUID();
        await manager.insert(Post, {
          id: postId,
          inboundMessageId: randomUUID(),
          maintainerId,
          signatureDigest: randomBytes(32).toString('hex'),
          signedAt: new Date(),
          embargoId: first.id,
          subjectSealed: runtime.secret.seal('post-subject', SUBJECT),
          bodyPackets: Buffer.from(bodyPackets),
          createdAt: new Date(),
        });
        await fanOut.enqueue(manager, postId, copies);
      });
      source = await snapshot(ds);
    } finally {
      await runtime.database.close();
    }
    expect(source.get('member')).toHaveLength(3);
    expect(source.get('post_delivery')).toHaveLength(3);
    expect(source.get('embargo')).toHaveLength(2);
    expect(source.get('audit_entry')!.length).toBeGreaterThan(8);
  }, 180_000);

  afterAll(async () => {
    for (const target of scratch) await target.remove();
    await gpg.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  /** What a restored instance must be: the source's rows, a sound chain, the same list key. */
  async function expectRestored(target: Target, summary: RestoreSummary): Promise<void> {
    expect(summary.listKeyFingerprint).toBe(listFingerprint);
    expect(statSync(target.settings.secretKeyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(target.settings.secretKeyFile, 'utf8')).toBe(
      readFileSync(sourceSettings.secretKeyFile, 'utf8'),
    );
    const database = await target.open();
    try {
      const ds = database.dataSource;
      const restored = await snapshot(ds);
      const sourceAudit = source.get('audit_entry')!;
      for (const [table, rows] of source) {
        if (table === 'audit_entry' || table === 'audit_head') continue;
        expect({ table, rows: restored.get(table) }).toEqual({ table, rows });
      }
      // Every entry as it was (microseconds and all), then the restore's own.
      const audit = restored.get('audit_entry')!;
      expect(audit.slice(0, sourceAudit.length)).toEqual(sourceAudit);
      expect(audit).toHaveLength(sourceAudit.length + 1);
      expect(audit[sourceAudit.length]).toContain('backup.restored');
      const restoredKey = auditChainKey(ServerSecret.loadOrCreate(target.settings.secretKeyFile));
      await expect(verifyAuditChain(ds, restoredKey)).resolves.toMatchObject({
        ok: true,
        entries: sourceAudit.length + 1,
      });

      // The list key opens with the restored secret and still decrypts what was sent to it.
      const secret = ServerSecret.loadOrCreate(target.settings.secretKeyFile);
      const listKey = new ListKey(ds, target.settings, secret);
      expect((await listKey.find())!.fingerprint).toBe(listFingerprint);
      const ciphertext = await encrypt({
        message: await createMessage({ text: 'still yours' }),
        encryptionKeys: await listKey.public(),
        config: openpgpConfig,
      });
      const opened = await decrypt({
        message: await readMessage({ armoredMessage: ciphertext }),
        decryptionKeys: await listKey.secretKey(),
      });
      expect(opened.data).toBe('still yours');

      // Sealed columns still open, and embargo numbers carry on where they were.
      const [post] = (await ds.query('SELECT subject_sealed FROM post')) as { subject_sealed: string }[];
      expect(secret.open('post-subject', post.subject_sealed)).toBe(SUBJECT);
      const numbers = (await ds.query('SELECT number FROM embargo ORDER BY number')) as { number: number }[];
      const [next] = (await ds.query(`SELECT nextval('embargo_number_seq')::int AS n`)) as { n: number }[];
      expect(next.n).toBe(numbers[numbers.length - 1].number + 1);
    } finally {
      await database.close();
    }
  }

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
