/**
 * The reports lib on a fresh database, as its own specs use it: every feature lib's entities, the
 * list key and the policy made, and a maintainer added (so the maintainers' mail has somewhere to
 * go). Reports are filed through FileReport, never inserted.
 */
import { randomBytes } from 'node:crypto';
import { INestApplicationContext, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { decrypt, readMessage } from 'openpgp';
import { DataSource, EntityManager } from 'typeorm';
import { AuditModule } from '@cordon/audit';
import { ConfigModule, parseSettings, Settings } from '@cordon/config';
import { CryptoModule, ListKey, ServerSecret } from '@cordon/crypto';
import { OutboundMessage } from '@cordon/delivery';
import { MaintainersModule } from '@cordon/maintainers';
import { Database, openDatabase, PersistenceModule } from '@cordon/persistence';
import { Policies } from '@cordon/policy';
import { NewReport, ReportsModule } from '@cordon/reports';
import { allEntities } from '@cordon/runtime';
import { testAuditKey } from './audit';
import { freshDatabaseLocation } from './database';
import { aMaintainer } from './factories';
import { anOpenpgpKey, TestKey } from './keys';
import { armoredPart } from './mailbox';

export interface ReportsTestbed {
  app: INestApplicationContext;
  get<T>(type: Type<T>): T;
  dataSource: DataSource;
  settings: Settings;
  maintainer: { id: string; key: TestKey };
  /** The mail queued so far to `address`, oldest first: its purpose and raw bytes. */
  queuedTo(address: string): Promise<{ purpose: string; raw: string }[]>;
  /** Every row of every table as text, bytea as latin1: to look for what must not be there. */
  everyRowAsText(): Promise<string>;
  close(): Promise<void>;
}

export async function reportsTestbed(env: Record<string, string> = {}): Promise<ReportsTestbed> {
  const location = await freshDatabaseLocation();
  const database: Database = await openDatabase({
    databaseUrl: location.databaseUrl,
    dataDir: location.dataDir,
    entities: allEntities,
  });
  try {
    const settings = parseSettings(
      {
        DATA_DIR: location.dataDir,
        PUBLIC_URL: 'https://cordon.example.org',
        LIST_ADDRESS: 'distributors@example.org',
        ...env,
      },
      process.cwd(),
    );
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(settings),
        PersistenceModule.forDatabase(database),
        CryptoModule.forSecret(ServerSecret.fromBytes(randomBytes(32))),
        AuditModule.forKey(testAuditKey),
        MaintainersModule,
        ReportsModule,
      ],
    }).compile();
    const app = await moduleRef.init();
    const dataSource = database.dataSource;
    await dataSource.transaction(async (manager) => {
      await app.get(ListKey).ensure(manager);
      await app.get(Policies, { strict: false }).ensurePublished(manager, 'system');
    });
    const key = await anOpenpgpKey('lea@example.org', 'Lea Lead');
    const added = await aMaintainer(app, { email: 'lea@example.org', key: key.publicKey });
    return {
      app,
      get: (type) => app.get(type, { strict: false }),
      dataSource,
      settings,
      maintainer: { id: added.maintainerId, key },
      queuedTo: (address) => queuedTo(dataSource.manager, address),
      everyRowAsText: () => everyRowAsText(dataSource),
      close: async () => {
        await app.close();
        await location.remove();
      },
    };
  } catch (error) {
    await database.close();
    await location.remove();
    throw error;
  }
}

/** A report as a careful reporter files it; `overrides` change any part. */
export function aReport(
  overrides: Partial<NewReport['content']> & Partial<Omit<NewReport, 'content'>> = {},
): NewReport {
  const { reporterKey = null, creditConsent = false, attachments = [], ...content } = overrides;
  return {
    content: {
      reporterName: 'Rita Reporter',
      contact: 'rita@reporter.example',
      component: 'libfrob',
      versions: '2.0 to 2.4.1',
      description: 'A heap overflow in the frob parser.',
      reproduction: 'frob --parse crash.frob',
      impact: 'Remote code execution for anyone who parses a frob file.',
      thirdParty: '',
      alreadyPublic: 'no',
      creditName: '',
      ...content,
    },
    reporterKey,
    creditConsent,
    attachments,
  };
}

/** The text inside an encrypted mail, decrypted with the recipient's key. */
export async function decryptedText(raw: string, key: TestKey): Promise<string> {
  const { data } = await decrypt({
    message: await readMessage({ armoredMessage: armoredPart(raw) }),
    decryptionKeys: key.privateKey,
  });
  return String(data);
}

async function queuedTo(manager: EntityManager, address: string): Promise<{ purpose: string; raw: string }[]> {
  const rows = await manager.find(OutboundMessage, { where: { recipient: address }, order: { createdAt: 'ASC' } });
  return rows.map((row) => ({ purpose: row.purpose, raw: Buffer.from(row.raw).toString('utf8') }));
}

async function everyRowAsText(dataSource: DataSource): Promise<string> {
  const tables = (await dataSource.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
  )) as { table_name: string }[];
  const parts: string[] = [];
  for (const { table_name } of tables) {
    const rows = (await dataSource.query(`SELECT * FROM "${table_name}"`)) as Record<string, unknown>[];
    for (const row of rows)
      for (const value of Object.values(row))
        parts.push(
          Buffer.isBuffer(value) || value instanceof Uint8Array
            ? Buffer.from(value).toString('latin1')
            : typeof value === 'object'
              ? JSON.stringify(value)
              : String(value),
        );
  }
  return parts.join('\n');
}
