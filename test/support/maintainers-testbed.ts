import { randomBytes } from 'node:crypto';
import { Test } from '@nestjs/testing';
import { generateKey } from 'openpgp';
import { Secret, TOTP } from 'otpauth';
import { DataSource } from 'typeorm';
import { AuditModule, auditEntities } from '@cordon/audit';
import { ConfigModule, parseSettings } from '@cordon/config';
import { CryptoModule, cryptoEntities, ServerSecret } from '@cordon/crypto';
import {
  AddMaintainer,
  CompleteEnrolment,
  ConfirmTotpEnrolment,
  maintainersEntities,
  MaintainersModule,
  StartTotpEnrolment,
} from '@cordon/maintainers';
import { Database, openDatabase, PersistenceModule } from '@cordon/persistence';
import { testAuditKey } from './audit';
import { freshDatabaseLocation } from './database';

export const PASSWORD = 'correct horse battery staple';
/** Where the logins of these tests come from (the web app passes req.ip), and a stranger's address. */
export const HOME = '192.0.2.10';
export const STRANGER = '203.0.113.66';

const keys = new Map<string, Promise<string>>();
/** One curve25519 (GnuPG-readable) public key per address, generated once per run. */
export function aKeyFor(email: string): Promise<string> {
  if (!keys.has(email)) {
    keys.set(
      email,
      generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ email }], format: 'armored' }).then(
        (k) => k.publicKey,
      ),
    );
  }
  return keys.get(email)!;
}

/** A row of login_throttle: the slow-down of one (maintainer, address) pair. */
export interface ThrottlePair {
  failures: number;
  not_before: Date | null;
  last_failed_at: Date;
  unreported_passwords: number;
  unreported_codes: number;
}

/**
 * The maintainers lib on a fresh database of its own, for the unit tests of one file (opened in
 * beforeAll, closed in afterAll), with maintainers made through its own use cases.
 */
export function maintainersTestbed() {
  let database: Database;
  let remove: () => Promise<void>;
  let get: <T>(type: new (...args: never[]) => T) => T;
  let counter = 0;

  beforeAll(async () => {
    const location = await freshDatabaseLocation();
    remove = location.remove;
    database = await openDatabase({
      databaseUrl: location.databaseUrl,
      dataDir: location.dataDir,
      entities: [...auditEntities, ...cryptoEntities, ...maintainersEntities],
    });
    const settings = parseSettings(
      { DATA_DIR: location.dataDir, PUBLIC_URL: 'https://cordon.example.org', LOGIN_MAX_ATTEMPTS: '3' },
      process.cwd(),
    );
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(settings),
        PersistenceModule.forDatabase(database),
        CryptoModule.forSecret(ServerSecret.fromBytes(randomBytes(32))),
        AuditModule.forKey(testAuditKey),
        MaintainersModule,
      ],
    }).compile();
    get = (type) => moduleRef.get(type);
  });
  afterAll(async () => {
    await database.close();
    await remove();
  });

  const bed = {
    get ds(): DataSource {
      return database.dataSource;
    },
    get: <T>(type: new (...args: never[]) => T): T => get(type),
    row: async (id: string) =>
      ((await bed.ds.query('SELECT * FROM maintainer WHERE id = $1', [id])) as Record<string, unknown>[])[0],
    /** The slow-down of one (maintainer, address) pair, or undefined when it has none. */
    pair: async (id: string, address = HOME) =>
      (
        (await bed.ds.query('SELECT * FROM login_throttle WHERE maintainer_id = $1 AND address = $2', [
          id,
          address,
        ])) as ThrottlePair[]
      )[0],
    auditActions: async (subject: string) =>
      (await bed.ds.query('SELECT action, details FROM audit_entry WHERE subject = $1 ORDER BY seq', [subject])) as {
        action: string;
        details: Record<string, unknown>;
      }[],
    async anInvitedMaintainer() {
      const email = `maintainer${++counter}@example.org`;
      const added = await get(AddMaintainer).execute({
        email,
        name: `Maintainer ${counter}`,
        keyArmored: await aKeyFor(email),
      });
      return { ...added, email, token: added.enrolmentUrl.split('/').pop()! };
    },
    async anEnrolledMaintainer() {
      const invited = await bed.anInvitedMaintainer();
      await get(CompleteEnrolment).execute(invited.token, PASSWORD);
      return invited;
    },
    async anActiveMaintainer() {
      const enrolled = await bed.anEnrolledMaintainer();
      const { secret } = await get(StartTotpEnrolment).execute(enrolled.maintainerId);
      const totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
      await get(ConfirmTotpEnrolment).execute(enrolled.maintainerId, totp.generate(), HOME);
      return { ...enrolled, totp };
    },
  };
  return bed;
}
