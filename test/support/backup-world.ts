/**
 * The world the backup tests share (test/backup.e2e.ts, test/backup-command.e2e.ts): a populated
 * instance on the embedded database, scratch targets to restore into (a new PostgreSQL database or
 * a new embedded one), and the check that a restored instance is exactly the source.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMessage, decrypt, encrypt, readMessage, readKey } from 'openpgp';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { auditChainKey, AuditLog, verifyAuditChain } from '@cordon/audit';
import { Settings } from '@cordon/config';
import { ListKey, openpgpConfig, ServerSecret } from '@cordon/crypto';
import { Embargoes } from '@cordon/embargo';
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
import { isDataTable, primaryKey, readExpression, schemaTables } from '../../libs/runtime/src/backup/backup-format';
import { withDatabaseName } from './database';
import { GpgHome } from './gpg';
import { anOpenpgpKey } from './keys';
import { testSettings } from './settings';
import { wiredHeldMail, wiredPolicies } from './wired-policies';

export const root = join(__dirname, '..', '..');
export const SUBJECT = 'Embargo: heap overflow in libwidget, CVE-2099-0001';
export const MEMBERS = ['security@distro-one.example', 'psirt@distro-two.example', 'team@distro-three.example'];
export const PASSPHRASE = 'correct horse battery staple, backed up';
/** Where scratch PostgreSQL databases are created: the test's own server, or the usual local one. */
export const PG_ADMIN = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

export type Snapshot = Map<string, (string | null)[][]>;

/** Every row of every table as PostgreSQL's text, in primary-key order: what "exactly the same" means. */
export async function snapshot(dataSource: DataSource): Promise<Snapshot> {
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

export async function pgAdmin<T = Record<string, unknown>>(sql: string): Promise<T[]> {
  const client = new Client({ connectionString: PG_ADMIN, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

/** A target: a new data directory, with a new empty PostgreSQL database or the embedded one. */
export interface Target {
  dataDir: string;
  databaseUrl?: string;
  settings: Settings;
  open(): Promise<Database>;
  remove(): Promise<void>;
}

export const scratch: Target[] = [];

export async function aTarget(kind: 'postgres' | 'embedded'): Promise<Target> {
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

export async function restoreInto(target: Target, file: string, decryption: BackupDecryption): Promise<RestoreSummary> {
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

export async function refusal(work: Promise<unknown>): Promise<Error> {
  const error = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

/** What beforeAll makes: read it in the test file's own beforeAll (which runs after this one). */
export interface BackupWorldState {
  /** The maintainer's key, which gpg made (and holds the secret of). */
  maintainerFingerprint: string;
  listFingerprint: string;
  /** Every row of the source instance. */
  source: Snapshot;
  pgReachable: boolean;
}

/**
 * A real instance on the embedded database to back up (list key, policy, a maintainer whose key
 * gpg made, members imported by the real use case, two embargoes and a post fanned out to every
 * member), made in beforeAll; and what a restored instance must be.
 */
export function backupWorld() {
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
      // By SQL: a backup is encrypted to the active maintainers, and only enrolment on the web
      // (password, then TOTP) makes one active.
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
      const embargoes = new Embargoes(audit, sourceSettings, wiredHeldMail(audit));
      const publicAt = new Date(Date.now() + 4 * 86_400_000).toISOString().slice(0, 16);
      const first = await ds.transaction((m) =>
        embargoes.create(
          m,
          {
            title: 'libwidget overflow',
            cveIds: ['CVE-2099-0001'],
            publicAt,
            timeZone: 'UTC',
            acceptNonWorkingDay: true,
          },
          'cli',
        ),
      );
      await ds.transaction((m) =>
        embargoes.create(m, { title: 'second issue', publicAt, timeZone: 'UTC', acceptNonWorkingDay: true }, 'cli'),
      );
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

  return {
    work,
    sourceDir,
    sourceSettings,
    gpg,
    state: (): BackupWorldState => ({ maintainerFingerprint, listFingerprint, source, pgReachable }),
    backup,
    skipWithoutPostgres,
    expectRestored,
  };
}
