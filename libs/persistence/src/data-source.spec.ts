import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from './data-source';

describe('the embedded database', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cordon-embedded-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('runs with a small buffer cache, leaving the data directory’s own settings as initdb wrote them', async () => {
    const db = await openDatabase({ dataDir, entities: [] });
    try {
      const setting = async (name: string) =>
        ((await db.dataSource.query(`SELECT current_setting($1) AS value`, [name])) as { value: string }[])[0].value;
      expect(await setting('shared_buffers')).toBe('16MB');
      // Set by initdb in postgresql.conf, which PGlite's own option for settings would overwrite.
      expect(await setting('TimeZone')).toBe('UTC');
      expect(await setting('DateStyle')).toBe('ISO, MDY');
    } finally {
      await db.close();
    }
    expect(readFileSync(join(dataDir, 'db', 'postgresql.conf'), 'utf8')).toMatch(/^shared_buffers = 128MB/m);
  });
});
