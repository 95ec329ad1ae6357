import { createHash } from 'node:crypto';
import { createWriteStream, readFileSync, renameSync, rmSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ReadableStream } from 'node:stream/web';
import { createGzip } from 'node:zlib';
import { createMessage, encrypt, PublicKey, readKey, WebStream } from 'openpgp';
import { DataSource, QueryRunner } from 'typeorm';
import { fullOpenpgpConfig, openpgpConfig } from '@cordon/crypto';
import { DomainError } from '@cordon/errors';
import {
  BACKUP_FORMAT,
  BACKUP_VERSION,
  BackupLine,
  isDataTable,
  MIGRATIONS_TABLE,
  primaryKey,
  quoteIdent,
  readExpression,
  schemaSequences,
  schemaTables,
  TableLine,
} from './backup-format';

/** Who can open the backup: every active maintainer (with gpg or `restore --secret-key-file`), or a passphrase. */
export type BackupEncryption = { to: 'maintainers' } | { to: 'passphrase'; passphrase: string };

export interface BackupRequest {
  dataSource: DataSource;
  /** The server secret file (SECRET_KEY_FILE): without it the list key and sealed columns cannot be opened. */
  secretKeyFile: string;
  cordonVersion: string;
  encryption: BackupEncryption;
  /** Where to write; written as FILE.partial (mode 0600) and renamed once complete. */
  file: string;
}

export interface BackupSummary {
  tables: number;
  rows: number;
  /** Addresses of the maintainers it was encrypted to (empty for a passphrase). */
  recipients: string[];
}

/** Rows fetched from the cursor at a time: memory holds one batch (about 8 MB), never a whole table. */
const BATCH_ROWS = 500;
const BATCH_BYTES = 8 * 1024 * 1024;

/**
 * Writes the whole instance into one OpenPGP-encrypted file, streamed: rows come from a cursor in
 * one REPEATABLE READ snapshot (a consistent picture even while the list runs), are gzipped and
 * encrypted as they go. The database is only read.
 */
export async function writeBackup(request: BackupRequest): Promise<BackupSummary> {
  const { dataSource, encryption } = request;
  const keys = encryption.to === 'maintainers' ? await maintainerKeys(dataSource) : [];
  if (encryption.to === 'passphrase' && encryption.passphrase.length === 0) {
    throw new DomainError('INVALID_INPUT', 'The passphrase file is empty.', 'passphrase');
  }
  const secretKey = readFileSync(request.secretKeyFile, 'utf8').trim();
  const summary: BackupSummary = { tables: 0, rows: 0, recipients: keys.map((k) => k.email) };
  const plaintext = Readable.from(backupLines(dataSource, secretKey, request.cordonVersion, summary)).pipe(
    createGzip(),
  );
  const message = await createMessage({
    binary: Readable.toWeb(plaintext) as unknown as WebStream<Uint8Array>,
    format: 'binary',
  });
  const encrypted = await encrypt({
    message,
    format: 'binary',
    config: openpgpConfig,
    ...(encryption.to === 'maintainers'
      ? { encryptionKeys: keys.map((k) => k.key) }
      : { passwords: [encryption.passphrase] }),
  });
  const partial = `${request.file}.partial`;
  try {
    await pipeline(
      Readable.fromWeb(encrypted as unknown as ReadableStream<Uint8Array>),
      createWriteStream(partial, { mode: 0o600, flags: 'wx' }),
    );
    renameSync(partial, request.file);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
  return summary;
}

async function maintainerKeys(dataSource: DataSource): Promise<{ email: string; key: PublicKey }[]> {
  const rows = (await dataSource.query(
    `SELECT email, key_armored FROM maintainer WHERE status = 'active' ORDER BY email`,
  )) as { email: string; key_armored: string }[];
  if (rows.length === 0) {
    throw new DomainError(
      'WRONG_STATE',
      'There is no active maintainer to encrypt the backup to. Use --passphrase-file FILE instead.',
    );
  }
  return Promise.all(
    rows.map(async (row) => {
      const key = await readKey({ armoredKey: row.key_armored, config: openpgpConfig });
      try {
        await key.getEncryptionKey(undefined, new Date(), undefined, fullOpenpgpConfig());
      } catch {
        // One unusable key would make a backup that maintainer cannot open: refuse, naming whose.
        throw new DomainError(
          'KEY_CANNOT_ENCRYPT',
          `The key of maintainer ${row.email} cannot encrypt (expired or revoked). Update it, or use --passphrase-file.`,
        );
      }
      return { email: row.email, key };
    }),
  );
}

/** The plaintext, line by line; the snapshot's transaction ends when the stream does, or is destroyed. */
async function* backupLines(
  dataSource: DataSource,
  secretKey: string,
  cordonVersion: string,
  summary: BackupSummary,
): AsyncGenerator<Buffer> {
  const hash = createHash('sha256');
  const line = (value: BackupLine | (string | null)[]): Buffer => {
    const bytes = Buffer.from(`${JSON.stringify(value)}\n`, 'utf8');
    hash.update(bytes);
    return bytes;
  };
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.startTransaction('REPEATABLE READ');
    await runner.query('SET TRANSACTION READ ONLY');
    const tables = (await schemaTables(runner)).filter((t) => isDataTable(t.name));
    const migrations = (await runner.query(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY id`)) as { name: string }[];
    yield line({
      type: 'header',
      format: BACKUP_FORMAT,
      version: BACKUP_VERSION,
      cordon: cordonVersion,
      createdAt: new Date().toISOString(),
      migrations: migrations.map((m) => m.name),
      tables: tables.map((t) => t.name),
    });
    yield line({ type: 'secret', secretKey });
    for (const table of tables) {
      yield line(table);
      let rows = 0;
      for await (const row of tableRows(runner, table)) {
        yield line(row);
        rows += 1;
      }
      yield line({ type: 'end-table', name: table.name, rows });
      summary.tables += 1;
      summary.rows += rows;
    }
    for (const name of await schemaSequences(runner)) {
      const [state] = (await runner.query(`SELECT last_value::text AS value, is_called FROM ${quoteIdent(name)}`)) as {
        value: string;
        is_called: boolean;
      }[];
      yield line({ type: 'sequence', name, lastValue: state.value, isCalled: state.is_called });
    }
    const sha256 = hash.copy().digest('hex');
    yield line({ type: 'end', tables: summary.tables, rows: summary.rows, sha256 });
    await runner.commitTransaction();
  } finally {
    if (runner.isTransactionActive) await runner.rollbackTransaction();
    await runner.release();
  }
}

async function* tableRows(runner: QueryRunner, table: TableLine): AsyncGenerator<(string | null)[]> {
  const select = table.columns.map((c, i) => `${readExpression(c)} AS c${i}`).join(', ');
  const key = await primaryKey(runner, table.name);
  const order = key.length ? ` ORDER BY ${key.map(quoteIdent).join(', ')}` : '';
  await runner.query(
    `DECLARE cordon_backup NO SCROLL CURSOR FOR SELECT ${select} FROM ${quoteIdent(table.name)}${order}`,
  );
  // On an error the cursor goes with the rolled-back transaction.
  for (let size = 1; ;) {
    const batch = (await runner.query(`FETCH ${size} FROM cordon_backup`)) as Record<string, string | null>[];
    let bytes = 0;
    for (const row of batch) {
      const values = table.columns.map((_c, i) => row[`c${i}`]);
      bytes += values.reduce((sum, v) => sum + (v?.length ?? 0), 0);
      yield values;
    }
    if (batch.length < size) break;
    // Rows of a few bytes come 500 at a time, raw messages of megabytes one or two at a time.
    size = Math.max(1, Math.min(BATCH_ROWS, Math.floor(BATCH_BYTES / Math.max(1, bytes / batch.length))));
  }
  await runner.query('CLOSE cordon_backup');
}
