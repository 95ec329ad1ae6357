import { randomBytes } from 'node:crypto';
import { Test } from '@nestjs/testing';
import { simpleParser } from 'mailparser';
import { decrypt, generateKey, readMessage, readPrivateKey } from 'openpgp';
import { Secret, TOTP } from 'otpauth';
import { DataSource } from 'typeorm';
import { AuditModule, auditEntities } from '@cordon/audit';
import { ConfigModule, parseSettings } from '@cordon/config';
import { CryptoModule, cryptoEntities, ListKey, ServerSecret } from '@cordon/crypto';
import { deliveryEntities } from '@cordon/delivery';
import { Database, openDatabase, PersistenceModule } from '@cordon/persistence';
import { testAuditKey } from '../../../test/support/audit';
import { freshDatabaseLocation } from '../../../test/support/database';
import {
  AddMaintainer,
  AddMaintainerAsMaintainer,
  CompleteEnrolment,
  ConfirmMaintainerKey,
  ConfirmTotpEnrolment,
  maintainersEntities,
  MaintainersModule,
  ProposeMaintainerKey,
  StartTotpEnrolment,
} from './index';

const HOME = '192.0.2.10';
const aKeyFor = (...emails: string[]) =>
  generateKey({
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs: emails.map((email) => ({ email })),
    format: 'armored',
  }).then((k) => k.publicKey);

describe('maintainer credentials', () => {
  let database: Database;
  let remove: () => Promise<void>;
  let ds: DataSource;
  let get: <T>(type: new (...args: never[]) => T) => T;
  let counter = 0;

  beforeAll(async () => {
    const location = await freshDatabaseLocation();
    remove = location.remove;
    database = await openDatabase({
      databaseUrl: location.databaseUrl,
      dataDir: location.dataDir,
      entities: [...auditEntities, ...cryptoEntities, ...deliveryEntities, ...maintainersEntities],
    });
    ds = database.dataSource;
    const settings = parseSettings(
      { DATA_DIR: location.dataDir, PUBLIC_URL: 'https://cordon.example.org', LIST_ADDRESS: 'list@example.org' },
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
    await ds.transaction((m) => get(ListKey).ensure(m));
  });
  afterAll(async () => {
    await database.close();
    await remove();
  });

  const maintainerRow = async (id: string) =>
    ((await ds.query('SELECT * FROM maintainer WHERE id = $1', [id])) as Record<string, unknown>[])[0];
  const count = async (table: string) =>
    Number(((await ds.query(`SELECT count(*) AS n FROM ${table}`)) as { n: string }[])[0].n);
  const actions = async (subject: string) =>
    (await ds.query('SELECT actor, action FROM audit_entry WHERE subject = $1 ORDER BY seq', [subject])) as {
      actor: string;
      action: string;
    }[];
  const mailsTo = async (to: string, purpose: string) =>
    Number(
      (
        (await ds.query('SELECT count(*) AS n FROM outbound_message WHERE recipient = $1 AND purpose = $2', [
          to,
          purpose,
        ])) as {
          n: string;
        }[]
      )[0].n,
    );

  async function anActiveMaintainer() {
    const email = `acting${++counter}@example.org`;
    const added = await get(AddMaintainer).execute({
      email,
      name: `Acting ${counter}`,
      keyArmored: await aKeyFor(email),
    });
    await get(CompleteEnrolment).execute(added.enrolmentUrl.split('/').pop()!, 'correct horse battery staple');
    const { secret } = await get(StartTotpEnrolment).execute(added.maintainerId);
    const totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
    const step = totp.counter();
    await get(ConfirmTotpEnrolment).execute(
      added.maintainerId,
      totp.generate({ timestamp: (step - 1) * 30_000 }),
      HOME,
    );
    return { ...added, email, totp, step };
  }

  describe('AddMaintainerAsMaintainer', () => {
    it('adds a maintainer with a fresh code, mails its enrolment link to its key and names the actor', async () => {
      const acting = await anActiveMaintainer();
      const email = `new${++counter}@example.org`;
      const added = await get(AddMaintainerAsMaintainer).execute({
        actingMaintainerId: acting.maintainerId,
        code: acting.totp.generate(),
        clientAddress: HOME,
        maintainer: { name: 'New', email, keyArmored: await aKeyFor(email) },
      });
      expect((await maintainerRow(added.maintainerId)).status).toBe('invited');
      expect(await actions(`maintainer:${added.maintainerId}`)).toEqual([
        { actor: `maintainer:${acting.maintainerId}`, action: 'maintainer.added' },
      ]);
      expect(await mailsTo(email, 'maintainer.invitation')).toBe(1);
    });

    it('refuses a missing, wrong or used code and adds no one', async () => {
      const acting = await anActiveMaintainer();
      const email = `refused${++counter}@example.org`;
      const keyArmored = await aKeyFor(email);
      const attempt = (code: string | undefined) =>
        get(AddMaintainerAsMaintainer).execute({
          actingMaintainerId: acting.maintainerId,
          code,
          clientAddress: HOME,
          maintainer: { name: 'Refused', email, keyArmored },
        });
      const before = await count('maintainer');
      await expect(attempt(undefined)).rejects.toMatchObject({ code: 'NOT_AUTHENTICATED', field: 'code' });
      await expect(attempt(acting.totp.generate({ timestamp: 0 }))).rejects.toMatchObject({
        code: 'NOT_AUTHENTICATED',
        message: expect.stringContaining('not right'),
      });
      // The code of the step enrolment used.
      await expect(attempt(acting.totp.generate({ timestamp: (acting.step - 1) * 30_000 }))).rejects.toMatchObject({
        message: expect.stringContaining('used already'),
      });
      expect(await count('maintainer')).toBe(before);
      expect(await mailsTo(email, 'maintainer.invitation')).toBe(0);
    });

    it('refuses a key already in use by another maintainer, and leaves the code unused', async () => {
      const acting = await anActiveMaintainer();
      const first = `first${++counter}@example.org`;
      const second = `second${counter}@example.org`;
      const shared = await aKeyFor(first, second);
      await get(AddMaintainer).execute({ email: first, name: 'First', keyArmored: shared });
      const before = await count('maintainer');
      const lastStep = (await maintainerRow(acting.maintainerId)).totp_last_step;
      await expect(
        get(AddMaintainerAsMaintainer).execute({
          actingMaintainerId: acting.maintainerId,
          code: acting.totp.generate(),
          clientAddress: HOME,
          maintainer: { name: 'Second', email: second, keyArmored: shared },
        }),
      ).rejects.toMatchObject({
        code: 'INVALID_INPUT',
        field: 'key',
        message: expect.stringContaining('already in use'),
      });
      expect(await count('maintainer')).toBe(before);
      // Rolled back whole: the code may be entered again once the form is corrected.
      expect((await maintainerRow(acting.maintainerId)).totp_last_step).toBe(lastStep);
    });
  });

  describe('ProposeMaintainerKey and ConfirmMaintainerKey', () => {
    /** The link in the newest mail of `purpose` to `to`, opened with `privateKey` as the maintainer would. */
    async function linkIn(to: string, purpose: string, privateKey: string): Promise<string> {
      const [row] = (await ds.query(
        'SELECT raw FROM outbound_message WHERE recipient = $1 AND purpose = $2 ORDER BY created_at DESC LIMIT 1',
        [to, purpose],
      )) as { raw: Buffer | string }[];
      const armored = /-----BEGIN PGP MESSAGE-----[\s\S]+?-----END PGP MESSAGE-----/.exec(row.raw.toString())![0];
      const { data } = await decrypt({
        message: await readMessage({ armoredMessage: armored }),
        decryptionKeys: await readPrivateKey({ armoredKey: privateKey }),
      });
      const inner = await simpleParser(String(data));
      return /https:\/\/\S+\/admin\/key\/confirm\/(\S+)/.exec(inner.text ?? '')![1];
    }

    it('swaps the key only once the link mailed encrypted to the new key is followed, once', async () => {
      const maintainer = await anActiveMaintainer();
      const before = await maintainerRow(maintainer.maintainerId);
      const next = await generateKey({
        type: 'ecc',
        curve: 'curve25519Legacy',
        userIDs: [{ email: maintainer.email }],
        format: 'armored',
      });
      const proposed = await get(ProposeMaintainerKey).execute({
        maintainer: { email: maintainer.email.toUpperCase() },
        key: next.publicKey,
        actor: 'cli',
      });
      // Nothing changes until the link is followed.
      expect((await maintainerRow(maintainer.maintainerId)).key_fingerprint).toBe(before.key_fingerprint);
      const token = await linkIn(maintainer.email, 'maintainer.key_proof', next.privateKey);
      expect(await get(ConfirmMaintainerKey).preview(token)).toMatchObject({ fingerprint: proposed.fingerprint });
      expect((await maintainerRow(maintainer.maintainerId)).key_fingerprint).toBe(before.key_fingerprint);
      await get(ConfirmMaintainerKey).execute(token);
      expect((await maintainerRow(maintainer.maintainerId)).key_fingerprint).toBe(proposed.fingerprint);
      await expect(get(ConfirmMaintainerKey).execute(token)).rejects.toMatchObject({ code: 'LINK_INVALID' });
      expect(await actions(`maintainer:${maintainer.maintainerId}`)).toEqual(
        expect.arrayContaining([
          { actor: 'cli', action: 'maintainer.key_proposed' },
          { actor: `maintainer:${maintainer.maintainerId}`, action: 'maintainer.key_changed' },
        ]),
      );
      expect(await mailsTo(maintainer.email, 'maintainer.key_changed')).toBe(1);
    });

    it('refuses a key without the address, the current key, or a key in use, and changes nothing', async () => {
      const maintainer = await anActiveMaintainer();
      const before = await count('maintainer_key_proposal');
      const propose = (key: string) =>
        get(ProposeMaintainerKey).execute({ maintainer: { id: maintainer.maintainerId }, key, actor: 'cli' });
      await expect(propose(await aKeyFor('someone.else@example.org'))).rejects.toMatchObject({
        code: 'KEY_NO_MATCHING_USER_ID',
      });
      await expect(propose(String((await maintainerRow(maintainer.maintainerId)).key_armored))).rejects.toMatchObject({
        message: expect.stringContaining('already the maintainer'),
      });
      const shared = await aKeyFor(`third${++counter}@example.org`, maintainer.email);
      await get(AddMaintainer).execute({ email: `third${counter}@example.org`, name: 'Third', keyArmored: shared });
      await expect(propose(shared)).rejects.toMatchObject({ message: expect.stringContaining('already in use') });
      expect(await count('maintainer_key_proposal')).toBe(before);
    });
  });
});
