/**
 * Everything a test can read in the clear where the service keeps things: every column of every
 * table, bytes read as Latin-1 and as UTF-8, JSON as written. For tests that prove a secret (a
 * report's canary) is stored only sealed; it reads, and changes nothing.
 */
import { DataSource } from 'typeorm';

export async function everyRowAsText(dataSource: DataSource): Promise<string> {
  const tables = (await dataSource.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
  )) as { table_name: string }[];
  const texts: string[] = [];
  for (const { table_name } of tables) {
    for (const row of (await dataSource.query(`SELECT * FROM "${table_name}"`)) as Record<string, unknown>[]) {
      for (const value of Object.values(row)) texts.push(...readings(value));
    }
  }
  return texts.join('\n');
}

function readings(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (value instanceof Uint8Array) {
    const bytes = Buffer.from(value);
    return [bytes.toString('latin1'), bytes.toString('utf8')];
  }
  if (typeof value === 'object' && !(value instanceof Date)) return [JSON.stringify(value)];
  return [String(value)];
}
