import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ReadableStream } from 'node:stream/web';
import { createGunzip } from 'node:zlib';
import { decrypt, PrivateKey, readMessage, WebStream } from 'openpgp';
import { DataSource, Migration, MigrationExecutor, QueryRunner } from 'typeorm';
import { auditChainKey, AuditLog } from '@cordon/audit';
import { Settings } from '@cordon/config';
import { ListKey, openpgpConfig, ServerSecret } from '@cordon/crypto';
import { DomainError } from '@cordon/errors';
import { migrate } from '@cordon/persistence';
import {
  BACKUP_FORMAT,
  BACKUP_VERSION,
  BackupColumn,
  BackupHeader,
  BackupLine,
  isDataTable,
  MIGRATIONS_TABLE,
  quoteIdent,
  schemaSequences,
  schemaTables,
  TableLine,
  writeExpression,
} from './backup-format';

/** How the file is opened: a passphrase, a maintainer's secret key, or not at all (already decrypted by gpg). */
export type BackupDecryption =
  { with: 'passphrase'; passphrase: string } | { with: 'secret-key'; key: PrivateKey } | { with: 'none' };

export interface RestoreRequest {
  dataSource: DataSource;
  /** The target's settings: its secret is written to `secretKeyFile`. */
  settings: Settings;
  input: Readable;
  decryption: BackupDecryption;
}

export interface RestoreSummary {
  createdAt: string;
  cordon: string;
  tables: number;
  rows: number;
  listKeyFingerprint: string | null;
  /** Migrations newer than the backup, applied after its rows. */
  migrationsApplied: string[];
}

const damaged = (why: string) =>
  new DomainError('INVALID_INPUT', `The backup file is damaged or was altered (${why}); nothing was restored.`);

/**
 * Brings a backup back into an empty database, all or nothing: the migrations the backup was made
 * at, every row, the sequences and the audit entry saying so are one transaction, committed only
 * once the whole stream has been read and its OpenPGP integrity check and trailer have passed.
 * The server secret is written (0600) just before that commit, and removed again if it fails.
 */
export async function restoreBackup(request: RestoreRequest): Promise<RestoreSummary> {
  const { dataSource, settings } = request;
  const lines = backupLines(await plaintextOf(request.input, request.decryption));
  const first = await lines.next();
  const header = parseHeader(first);
  const runner = dataSource.createQueryRunner();
  const executor = new MigrationRunner(dataSource, runner);
  const known = executor.all().map((m) => m.name);
  const unknown = header.migrations.find((name, i) => known[i] !== name);
  if (unknown !== undefined) {
    throw new DomainError(
      'WRONG_STATE',
      `This backup was made by a Cordon whose schema this one does not know (migration ${unknown}); restore it with that version or newer.`,
    );
  }
  await runner.connect();
  let wroteSecret = false;
  let summary: Omit<RestoreSummary, 'migrationsApplied'>;
  try {
    await runner.startTransaction();
    await refuseUnlessEmpty(runner, header.migrations);
    const applied = await appliedMigrations(runner);
    for (const migration of executor.all().slice(applied.length, header.migrations.length)) {
      await executor.executeMigration(migration);
    }
    const result = await loadRows(runner, header, first.value as string, lines, settings.secretKeyFile);
    const secret = ServerSecret.fromBytes(Buffer.from(result.secretKey, 'base64'));
    const listKey = new ListKey(dataSource, settings, secret);
    const record = await listKey.find(runner.manager);
    // The list key must open with the restored secret, or the instance could never sign again.
    if (record) await listKey.secretKey(runner.manager);
    const audit = new AuditLog(auditChainKey(secret));
    // A backup made before the chain was keyed: its entries are sealed first, as a start would.
    await audit.sealLegacyEntries(runner.manager);
    await audit.append(runner.manager, {
      actor: 'cli',
      action: 'backup.restored',
      subject: 'backup',
      details: { createdAt: header.createdAt, cordon: header.cordon, tables: result.tables, rows: result.rows },
    });
    if (!existsSync(settings.secretKeyFile)) {
      mkdirSync(dirname(settings.secretKeyFile), { recursive: true, mode: 0o700 });
      writeFileSync(settings.secretKeyFile, `${result.secretKey}\n`, { mode: 0o600, flag: 'wx' });
      wroteSecret = true;
    }
    await runner.commitTransaction();
    wroteSecret = false;
    summary = {
      createdAt: header.createdAt,
      cordon: header.cordon,
      tables: result.tables,
      rows: result.rows,
      listKeyFingerprint: record?.fingerprint ?? null,
    };
  } finally {
    if (runner.isTransactionActive) await runner.rollbackTransaction();
    if (wroteSecret) rmSync(settings.secretKeyFile, { force: true });
    await runner.release();
  }
  // Migrations newer than the backup run on the restored rows, as on any upgrade; only now that the
  // restore's connection is released (the embedded database has one).
  return { ...summary, migrationsApplied: await migrate(dataSource) };
}

/** TypeORM's executor, running the code's migrations one by one inside the restore's own transaction. */
class MigrationRunner extends MigrationExecutor {
  constructor(dataSource: DataSource, runner: QueryRunner) {
    super(dataSource, runner);
    this.transaction = 'none';
  }

  /** Every migration this code knows, oldest first. */
  all(): Migration[] {
    return this.getMigrations();
  }
}

async function plaintextOf(input: Readable, decryption: BackupDecryption): Promise<Readable> {
  if (decryption.with === 'none') return input;
  let message;
  try {
    message = await readMessage({ binaryMessage: Readable.toWeb(input) as unknown as WebStream<Uint8Array> });
  } catch {
    throw new DomainError('INVALID_INPUT', 'This file is not an OpenPGP-encrypted Cordon backup.');
  }
  try {
    const { data } = await decrypt({
      message,
      format: 'binary',
      ...(decryption.with === 'passphrase'
        ? { passwords: [decryption.passphrase] }
        : { decryptionKeys: decryption.key }),
      // Rows go into a transaction that commits only after the integrity check at the end of the
      // stream has passed, so releasing them early never lets unverified data through.
      config: { ...openpgpConfig, allowUnauthenticatedStream: true },
    });
    return Readable.fromWeb(data as unknown as ReadableStream<Uint8Array>);
  } catch {
    throw new DomainError(
      'INVALID_INPUT',
      decryption.with === 'passphrase'
        ? 'The passphrase does not open this backup; nothing was restored.'
        : 'This backup is not encrypted to that key (or the key is locked); nothing was restored.',
    );
  }
}

/** The gunzipped plaintext split into lines, each with its bytes for the trailer's hash. */
async function* backupLines(plaintext: Readable): AsyncGenerator<string> {
  const gunzip = createGunzip();
  let sourceError: unknown;
  pipeline(plaintext, gunzip).catch((error: unknown) => (sourceError ??= error));
  let pending: Buffer[] = [];
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      let start = 0;
      for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
        pending.push(chunk.subarray(start, nl));
        yield Buffer.concat(pending).toString('utf8');
        pending = [];
        start = nl + 1;
      }
      if (start < chunk.length) pending.push(chunk.subarray(start));
    }
  } catch (error) {
    const cause = sourceError ?? error;
    throw damaged(cause instanceof Error ? cause.message : 'unreadable');
  }
  if (pending.length > 0) throw damaged('it ends in the middle of a line');
}

function parseLine(text: string): BackupLine | (string | null)[] {
  try {
    return JSON.parse(text) as BackupLine | (string | null)[];
  } catch {
    throw damaged('a line is not JSON');
  }
}

function parseHeader(first: IteratorResult<string>): BackupHeader {
  const header = first.done ? undefined : parseLine(first.value);
  if (!header || Array.isArray(header) || header.type !== 'header' || header.format !== BACKUP_FORMAT) {
    throw new DomainError('INVALID_INPUT', 'This is not a Cordon backup (no backup header).');
  }
  if (header.version > BACKUP_VERSION) {
    throw new DomainError(
      'WRONG_STATE',
      `This backup has format version ${header.version}; upgrade Cordon to read it.`,
    );
  }
  return header;
}

/** Refuses, before anything is written, a target that holds any row (the migrations aside). */
async function refuseUnlessEmpty(runner: QueryRunner, backupMigrations: string[]): Promise<void> {
  const occupied: string[] = [];
  for (const table of await schemaTables(runner)) {
    if (!isDataTable(table.name)) continue;
    const [row] = (await runner.query(`SELECT EXISTS (SELECT 1 FROM ${quoteIdent(table.name)}) AS used`)) as {
      used: boolean;
    }[];
    if (row.used) occupied.push(table.name);
  }
  if (occupied.length > 0) {
    throw new DomainError(
      'WRONG_STATE',
      `The target is not empty (it holds rows in ${occupied.join(', ')}). Restore only into a new data directory or an empty database; nothing was changed.`,
    );
  }
  const applied = await appliedMigrations(runner);
  if (applied.some((name, i) => backupMigrations[i] !== name)) {
    throw new DomainError(
      'WRONG_STATE',
      'The target database was migrated by a newer Cordon than the one that made the backup. Restore into a database that was never migrated; nothing was changed.',
    );
  }
}

async function appliedMigrations(runner: QueryRunner): Promise<string[]> {
  if (!(await runner.hasTable(MIGRATIONS_TABLE))) return [];
  const rows = (await runner.query(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY id`)) as { name: string }[];
  return rows.map((r) => r.name);
}

interface Loaded {
  secretKey: string;
  tables: number;
  rows: number;
}

/** Reads the rest of the stream into the open transaction, checking counts and the trailer. */
async function loadRows(
  runner: QueryRunner,
  header: BackupHeader,
  headerText: string,
  lines: AsyncGenerator<string>,
  secretKeyFile: string,
): Promise<Loaded> {
  const target = new Map((await schemaTables(runner)).map((t) => [t.name, t]));
  const sequences = new Set(await schemaSequences(runner));
  const hash = createHash('sha256');
  hash.update(`${headerText}\n`);
  let secretKey: string | undefined;
  let table: Batch | undefined;
  const seen: string[] = [];
  let total = 0;
  for await (const text of lines) {
    const line = parseLine(text);
    if (Array.isArray(line)) {
      if (!table) throw damaged('a row outside any table');
      await table.add(line);
    } else if (line.type === 'end') {
      if (line.sha256 !== hash.digest('hex')) throw damaged('its checksum does not match');
      if (line.rows !== total || line.tables !== seen.length) throw damaged('rows are missing');
      if (header.tables.some((name) => !seen.includes(name))) throw damaged('tables are missing');
      if (!secretKey) throw damaged('the server secret is missing');
      for await (const _extra of lines) throw damaged('there is data after its end');
      return { secretKey, tables: seen.length, rows: total };
    } else if (line.type === 'secret') {
      secretKey = line.secretKey;
      refuseOtherSecret(secretKeyFile, secretKey);
    } else if (line.type === 'table') {
      table = new Batch(runner, line, target.get(line.name));
    } else if (line.type === 'end-table') {
      if (!table || table.name !== line.name) throw damaged(`table ${line.name} ends before it begins`);
      const count = await table.finish();
      if (count !== line.rows) throw damaged(`table ${line.name} lost rows`);
      seen.push(line.name);
      total += count;
      table = undefined;
    } else if (line.type === 'sequence') {
      if (sequences.has(line.name)) {
        await runner.query('SELECT setval($1::regclass, $2::bigint, $3)', [
          quoteIdent(line.name),
          line.lastValue,
          line.isCalled,
        ]);
      }
    } else {
      throw damaged('a second header');
    }
    hash.update(`${text}\n`);
  }
  throw damaged('it ends before its last line');
}

function refuseOtherSecret(file: string, secretKey: string): void {
  if (!/^[A-Za-z0-9+/=]{43,}$/.test(secretKey)) throw damaged('the server secret is not base64');
  if (existsSync(file) && readFileSync(file, 'utf8').trim() !== secretKey) {
    throw new DomainError(
      'ALREADY_EXISTS',
      `${file} already holds a different server secret. Point SECRET_KEY_FILE at a new path or move that file away; nothing was changed.`,
    );
  }
}

/** Rows of one table, inserted a few hundred at a time with each value cast back from its text. */
class Batch {
  private rows: (string | null)[][] = [];
  private bytes = 0;
  private count = 0;
  private readonly columns: BackupColumn[];
  private readonly limit: number;

  constructor(
    private readonly runner: QueryRunner,
    line: TableLine,
    target: TableLine | undefined,
  ) {
    if (!target || !isDataTable(line.name)) {
      throw new DomainError('WRONG_STATE', `The backup holds a table (${line.name}) this schema does not have.`);
    }
    this.columns = line.columns.map(({ name }) => {
      const column = target.columns.find((c) => c.name === name);
      if (!column)
        throw new DomainError(
          'WRONG_STATE',
          `The backup holds a column (${line.name}.${name}) this schema does not have.`,
        );
      return column;
    });
    this.limit = Math.max(1, Math.min(500, Math.floor(30_000 / this.columns.length)));
    this.name = line.name;
  }

  readonly name: string;

  async add(row: (string | null)[]): Promise<void> {
    if (row.length !== this.columns.length || row.some((v) => v !== null && typeof v !== 'string')) {
      throw damaged(`a row of ${this.name} does not fit its columns`);
    }
    this.rows.push(row);
    this.bytes += row.reduce((sum, v) => sum + (v?.length ?? 0), 0);
    if (this.rows.length >= this.limit || this.bytes >= 8 * 1024 * 1024) await this.flush();
  }

  async finish(): Promise<number> {
    await this.flush();
    return this.count;
  }

  private async flush(): Promise<void> {
    if (this.rows.length === 0) return;
    const n = this.columns.length;
    const values = this.rows.map(
      (_row, r) => `(${this.columns.map((c, i) => writeExpression(c, `$${r * n + i + 1}`)).join(', ')})`,
    );
    await this.runner.query(
      `INSERT INTO ${quoteIdent(this.name)} (${this.columns.map((c) => quoteIdent(c.name)).join(', ')}) VALUES ${values.join(', ')}`,
      this.rows.flat(),
    );
    this.count += this.rows.length;
    this.rows = [];
    this.bytes = 0;
  }
}
