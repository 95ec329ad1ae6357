/**
 * Each table has one owner, and only its owner names it (issue 12; docs/architecture.md, Layout):
 * other libs read and change it only through what the owner exports. The owner of a table is the lib
 * whose `@Entity('name')` maps it, or, for a table with no entity, the folder named in
 * TABLES_WITHOUT_ENTITY; every table the migrations create must have one. The scan reads every
 * source file under libs/ and apps/ (not tests) for SQL naming a table (FROM, JOIN, UPDATE, INSERT
 * INTO, DELETE FROM, REFERENCES, …, in any string) and for another lib's entity class used with a
 * repository or manager, and fails listing each file and table outside its owner.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');

/** Tables no TypeORM entity maps: the folder that keeps each, and what it is. */
const TABLES_WITHOUT_ENTITY: Record<string, string> = {
  audit_head: 'libs/audit', // the head of the hash chain, kept by AuditLog
  drill: 'libs/relay', // fire drills (libs/relay/src/drill)
  drill_participant: 'libs/relay', // who each drill was sent to and who answered (libs/relay/src/drill)
  audit_checkpoint: 'libs/delivery', // the signed checkpoints mailed to maintainers (AuditCheckpoints)
  auto_reply: 'libs/delivery', // the auto-replies sent, so that each address gets one a day (AutoReplies)
  embargo_reminder: 'libs/embargo', // reminders sent before an embargo's date (EmbargoReminders)
  embargo_audience_pick: 'libs/embargo', // maintainers' picks of members in or out of an embargo's audience
  key_expiry_warning: 'libs/relay', // warnings sent before a member key expires (KeyExpiryWarnings)
  key_health_check: 'libs/relay', // the day the key check last ran (KeyExpiryWarnings)
  login_throttle: 'libs/maintainers', // failed logins per address, for the slow-down (LoginThrottle)
  maintainer_digest_item: 'libs/relay', // what the maintainers' digest has told (MaintainerDigest)
  maintainer_digest_state: 'libs/relay', // the digest's one locked row (MaintainerDigest)
  member_answer: 'libs/relay', // a member's signed answer waiting for the maintainers (member-answers)
  member_attestation: 'libs/membership', // a member's re-attestation of the criteria (reattestation)
  member_signed_mail: 'libs/relay', // signatures of member mail seen, against replay (SignatureRegistry)
  one_time_token: 'libs/crypto', // hashed one-time links (OneTimeLinks)
  post_catch_up: 'libs/relay', // catch-up copies made of an embargo's earlier posts (CatchUp)
  reattestation_request: 'libs/membership', // rounds of re-attestation (reattestation)
  service_process: 'libs/persistence', // the processes that hold leases on queue work (ProcessRegistry)
  web_session: 'apps/cordon/src/web', // express-session's store (http/session-store.ts)
};

/** Backup and restore copy every table as it is: the one place that names them all. */
const EVERY_TABLE = ['libs/runtime/src/backup/'];

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules') return [];
    if (statSync(join(root, path)).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !/\.(spec|e2e)\.ts$/.test(path) && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/** The source without its comments, so that prose naming a table is not taken for SQL. */
function code(path: string): string {
  return readFileSync(join(root, path), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

const libFiles = sourceFiles('libs');
const appFiles = sourceFiles('apps');

/** Table → owner folder, and entity class → table, from `@Entity('name')` in libs/<lib>/src. */
const owners = new Map<string, string>(Object.entries(TABLES_WITHOUT_ENTITY));
const entityTables = new Map<string, { table: string; owner: string }>();
for (const file of libFiles) {
  const owner = file.split('/').slice(0, 2).join('/');
  for (const match of code(file).matchAll(/@Entity\('([a-z_0-9]+)'\)[\s\S]*?export class (\w+)/g)) {
    owners.set(match[1], owner);
    entityTables.set(match[2], { table: match[1], owner });
  }
}

const migrationTables = new Set(
  readdirSync(join(root, 'migrations'))
    .filter((name) => name.endsWith('.ts'))
    .flatMap((name) => [
      ...code(join('migrations', name)).matchAll(/CREATE TABLE (?:IF NOT EXISTS )?"?([a-z_0-9]+)"?/g),
    ])
    .map((match) => match[1]),
);

const SQL_NAMING_A_TABLE = [
  /\b(?:FROM|JOIN|UPDATE|INTO|REFERENCES|TABLE)\s+(?:ONLY\s+)?"?([a-z_][a-z_0-9]*)"?/g,
  // TypeORM's query builder, given a table name rather than an entity.
  /\.(?:from|into|update|delete|innerJoin|leftJoin|innerJoinAndSelect|leftJoinAndSelect)\(\s*['"`]([a-z_][a-z_0-9]*)['"`]/g,
];
const ENTITY_USE = (name: string) =>
  new RegExp(
    `(?:\\.(?:find\\w*|count\\w*|exists\\w*|insert|update|upsert|delete|save|remove|softDelete|create|merge|preload|increment|decrement|sum|average|minimum|maximum|getRepository|createQueryBuilder|from|\\w*[jJ]oin\\w*)\\(\\s*${name}\\b)|Repository<${name}>|InjectRepository\\(${name}\\)`,
  );

/** Every `file: table` outside its owner; `exempt` leaves out the folders that copy every table. */
function referencesOutsideOwners(exempt: string[]): string[] {
  const found = new Set<string>();
  for (const file of [...libFiles, ...appFiles]) {
    if (exempt.some((folder) => file.startsWith(folder))) continue;
    const text = code(file);
    const outside = (table: string) => {
      const owner = owners.get(table);
      return owner !== undefined && !file.startsWith(`${owner}/`);
    };
    for (const pattern of SQL_NAMING_A_TABLE) {
      for (const match of text.matchAll(pattern)) if (outside(match[1])) found.add(`${file}: ${match[1]}`);
    }
    // Another lib's entity class, imported through its index and used to read or write its table.
    for (const imported of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*'@cordon\/[a-z-]+'/g)) {
      for (const name of imported[1].split(',').map((part) =>
        part
          .trim()
          .split(/\s+as\s+/)
          .pop()!,
      )) {
        const entity = entityTables.get(name);
        if (entity && outside(entity.table) && ENTITY_USE(name).test(text)) found.add(`${file}: ${entity.table}`);
      }
    }
  }
  return [...found].sort();
}

describe('every table is named only by its owner', () => {
  const found = referencesOutsideOwners(EVERY_TABLE);

  it('knows an owner for every table the migrations create', () => {
    expect([...migrationTables].filter((table) => !owners.has(table))).toEqual([]);
    // The scan sees them: the owner map is not empty, and names the tables of every feature lib.
    expect(migrationTables.size).toBeGreaterThan(20);
    expect(owners.get('member')).toBe('libs/membership');
    expect(owners.get('post_delivery')).toBe('libs/relay');
  });

  it('finds no table named outside its owner', () => {
    expect(found).toEqual([]);
  });

  it('finds the tables backup and restore name, the one exception, once they are not exempt', () => {
    const inBackup = referencesOutsideOwners([]).filter((reference) =>
      EVERY_TABLE.some((f) => reference.startsWith(f)),
    );
    expect(inBackup.length).toBeGreaterThan(0);
    expect(referencesOutsideOwners([]).filter((reference) => !inBackup.includes(reference))).toEqual([]);
  });
});

describe('the table-owner scan', () => {
  const tables = (text: string) =>
    SQL_NAMING_A_TABLE.flatMap((pattern) => [...text.matchAll(pattern)].map((match) => match[1]));

  it('reads the tables SQL names, in a statement or through the query builder, and not prose', () => {
    expect(tables('SELECT 1 FROM member m JOIN post_delivery d ON d.member_id = m.id FOR UPDATE SKIP LOCKED')).toEqual([
      'member',
      'post_delivery',
    ]);
    expect(tables("INSERT INTO ban (id) VALUES ($1); UPDATE embargo SET x = 1; qb.from('strike', 's')")).toEqual([
      'ban',
      'embargo',
      'strike',
    ]);
    expect(tables('an answer from member 7, sent to the maintainers')).toEqual([]);
  });

  it('tells an entity of another lib used with a manager from one merely listed', () => {
    expect(ENTITY_USE('Member').test('await manager.findOne(Member, { where: { id } })')).toBe(true);
    expect(ENTITY_USE('Member').test('qb.innerJoin(Member, "m", "m.id = d.member_id")')).toBe(true);
    expect(ENTITY_USE('Member').test('export const entities = [Member, Vouch];')).toBe(false);
  });
});
