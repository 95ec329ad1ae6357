import { QueryRunner } from 'typeorm';

/**
 * The plaintext inside a Cordon backup, format version 1 (README "Back it up"). Before it is
 * encrypted, the stream is gzip-compressed JSON lines, UTF-8, one object or array per line:
 *
 *   {"type":"header","format":"cordon-backup","version":1,"cordon":"0.1.0","createdAt":"…Z",
 *    "migrations":["InitialSchema1763900000000",…],"tables":["audit_entry",…]}
 *   {"type":"secret","secretKey":"<the server secret file, as stored (base64)>"}
 *   {"type":"table","name":"member","columns":[{"name":"id","type":"uuid"},…]}
 *   ["<value as PostgreSQL text>", null, …]                     one line per row, in column order
 *   {"type":"end-table","name":"member","rows":12}
 *   …every table, parents before the tables whose foreign keys point at them…
 *   {"type":"sequence","name":"embargo_number_seq","lastValue":"7","isCalled":true}
 *   {"type":"end","tables":29,"rows":1234,"sha256":"<hex SHA-256 of every line above, each with its \n>"}
 *
 * Every value is PostgreSQL's own text form, so nothing is rounded on the way: bytea as base64,
 * timestamptz as UTC with microseconds, jsonb, arrays, numeric and bigint as their text. The
 * trailer's hash and counts catch a truncated or altered stream even when it was decrypted by
 * gpg and piped in.
 */
export const BACKUP_FORMAT = 'cordon-backup';
export const BACKUP_VERSION = 1;

export interface BackupHeader {
  type: 'header';
  format: typeof BACKUP_FORMAT;
  version: number;
  cordon: string;
  createdAt: string;
  migrations: string[];
  tables: string[];
}

export interface BackupColumn {
  name: string;
  /** `format_type` of the column, e.g. `timestamp with time zone`, `text[]`. */
  type: string;
}

export interface TableLine {
  type: 'table';
  name: string;
  columns: BackupColumn[];
}

export type BackupLine =
  | BackupHeader
  | { type: 'secret'; secretKey: string }
  | TableLine
  | { type: 'end-table'; name: string; rows: number }
  | { type: 'sequence'; name: string; lastValue: string; isCalled: boolean }
  | { type: 'end'; tables: number; rows: number; sha256: string };

/** TypeORM's own bookkeeping: the migrations are re-run on restore, so their rows are not copied. */
export const MIGRATIONS_TABLE = 'migrations';
const NOT_DATA = new Set([MIGRATIONS_TABLE, 'typeorm_metadata']);

export function isDataTable(name: string): boolean {
  return !NOT_DATA.has(name);
}

export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** The SQL expression that reads a column as exact text. */
export function readExpression(column: BackupColumn): string {
  const col = quoteIdent(column.name);
  switch (column.type) {
    case 'bytea':
      // encode() wraps base64 every 76 characters; the newlines are dropped so a row stays one line.
      return `translate(encode(${col}, 'base64'), E'\\n', '')`;
    case 'timestamp with time zone':
      return `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
    case 'timestamp without time zone':
      return `to_char(${col}, 'YYYY-MM-DD"T"HH24:MI:SS.US')`;
    default:
      return `${col}::text`;
  }
}

/** The SQL expression that turns a text parameter back into the column's value. */
export function writeExpression(column: BackupColumn, parameter: string): string {
  if (column.type === 'bytea') return `decode(${parameter}::text, 'base64')`;
  return `${parameter}::text::${column.type}`;
}

/** The tables of the current schema with their columns, parents first (foreign-key order). */
export async function schemaTables(runner: QueryRunner): Promise<TableLine[]> {
  const columns = (await runner.query(
    `SELECT c.relname AS table, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE c.relkind IN ('r', 'p')
      ORDER BY c.relname, a.attnum`,
  )) as { table: string; name: string; type: string }[];
  const references = (await runner.query(
    `SELECT child.relname AS child, parent.relname AS parent
       FROM pg_constraint f
       JOIN pg_class child ON child.oid = f.conrelid
       JOIN pg_class parent ON parent.oid = f.confrelid
       JOIN pg_namespace n ON n.oid = child.relnamespace AND n.nspname = current_schema()
      WHERE f.contype = 'f' AND f.conrelid <> f.confrelid`,
  )) as { child: string; parent: string }[];
  const tables = new Map<string, TableLine>();
  for (const { table, name, type } of columns) {
    const line = tables.get(table) ?? { type: 'table' as const, name: table, columns: [] };
    line.columns.push({ name, type });
    tables.set(table, line);
  }
  return dependencyOrder([...tables.keys()].sort(), references).map((name) => tables.get(name)!);
}

/** Kahn's algorithm, alphabetical among equals so that two backups of one database read alike. */
function dependencyOrder(names: string[], references: { child: string; parent: string }[]): string[] {
  const parents = new Map(names.map((name) => [name, new Set<string>()]));
  for (const { child, parent } of references) {
    if (parents.has(child) && parents.has(parent)) parents.get(child)!.add(parent);
  }
  const ordered: string[] = [];
  while (parents.size > 0) {
    const ready = [...parents.keys()].filter((name) => [...parents.get(name)!].every((p) => !parents.has(p)));
    if (ready.length === 0) throw new Error(`foreign keys form a cycle among ${[...parents.keys()].join(', ')}`);
    for (const name of ready.sort()) {
      ordered.push(name);
      parents.delete(name);
    }
  }
  return ordered;
}

/** Columns of a table's primary key, to read rows in a stable order. */
export async function primaryKey(runner: QueryRunner, table: string): Promise<string[]> {
  const rows = (await runner.query(
    `SELECT a.attname AS name
       FROM pg_index i
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
      WHERE i.indrelid = to_regclass($1) AND i.indisprimary
      ORDER BY array_position(i.indkey::int2[], a.attnum)`,
    [quoteIdent(table)],
  )) as { name: string }[];
  return rows.map((r) => r.name);
}

export async function schemaSequences(runner: QueryRunner): Promise<string[]> {
  const rows = (await runner.query(
    `SELECT c.relname AS name FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
      WHERE c.relkind = 'S' ORDER BY c.relname`,
  )) as { name: string }[];
  return rows.map((r) => r.name);
}
