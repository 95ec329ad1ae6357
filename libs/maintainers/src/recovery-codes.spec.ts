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
  AuthenticateApiToken,
  AuthenticatePassword,
  CompleteEnrolment,
  ConfirmTotpEnrolment,
  CreateApiToken,
  maintainersEntities,
  MaintainersModule,
  RecoveryCodesLeft,
  RegenerateRecoveryCodes,
  ResetMaintainerTotp,
  StartTotpEnrolment,
  VerifyTotpLogin,
} from './index';
import { normaliseRecoveryCode, recoveryCodeHash } from './recovery-codes';

const PASSWORD = 'correct horse battery staple';
const HOME = '192.0.2.10';
const STRANGER = '203.0.113.66';

describe('recovery codes and TOTP reset', () => {
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
      {
        DATA_DIR: location.dataDir,
        PUBLIC_URL: 'https://cordon.example.org',
        LIST_ADDRESS: 'list@example.org',
        LOGIN_MAX_ATTEMPTS: '3',
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
  const codeRows = async (id: string) =>
    (await ds.query('SELECT * FROM maintainer_recovery_code WHERE maintainer_id = $1', [id])) as Record<
      string,
      unknown
    >[];
  const actions = async (subject: string) =>
    (
      (await ds.query('SELECT actor, action, details FROM audit_entry WHERE subject = $1 ORDER BY seq', [subject])) as {
        actor: string;
        action: string;
        details: Record<string, unknown>;
      }[]
    ).map((e) => ({ ...e, details: typeof e.details === 'string' ? JSON.parse(e.details) : e.details }));

  /** The text of the newest mail of `purpose` to `to`, opened with `privateKey` as the maintainer would. */
  async function mailText(to: string, purpose: string, privateKey: string): Promise<string> {
    const [row] = (await ds.query(
      'SELECT raw FROM outbound_message WHERE recipient = $1 AND purpose = $2 ORDER BY created_at DESC LIMIT 1',
      [to, purpose],
    )) as { raw: Buffer | string }[];
    expect(row).toBeDefined();
    const armored = /-----BEGIN PGP MESSAGE-----[\s\S]+?-----END PGP MESSAGE-----/.exec(row.raw.toString())![0];
    const { data } = await decrypt({
      message: await readMessage({ armoredMessage: armored }),
      decryptionKeys: await readPrivateKey({ armoredKey: privateKey }),
    });
    return (await simpleParser(String(data))).text ?? '';
  }

  /**
   * An active maintainer, its recovery codes as the enrolment page showed them, and its TOTP. The
   * enrolment is confirmed with the previous step's code, so the current one is still fresh.
   */
  async function anActiveMaintainer() {
    const email = `recovering${++counter}@example.org`;
    const key = await generateKey({
      type: 'ecc',
      curve: 'curve25519Legacy',
      userIDs: [{ email }],
      format: 'armored',
    });
    const added = await get(AddMaintainer).execute({ email, name: `Recovering ${counter}`, keyArmored: key.publicKey });
    await get(CompleteEnrolment).execute(added.enrolmentUrl.split('/').pop()!, PASSWORD);
    const { secret } = await get(StartTotpEnrolment).execute(added.maintainerId);
    const totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
    const enrolled = await get(ConfirmTotpEnrolment).execute(
      added.maintainerId,
      totp.generate({ timestamp: (totp.counter() - 1) * 30_000 }),
      HOME,
    );
    return { id: added.maintainerId, email, totp, codes: enrolled.recoveryCodes, privateKey: key.privateKey };
  }

  describe('at enrolment', () => {
    it('gives ten distinct, typable codes and keeps only their hashes', async () => {
      const m = await anActiveMaintainer();
      expect(m.codes).toHaveLength(10);
      expect(new Set(m.codes).size).toBe(10);
      for (const code of m.codes) expect(code).toMatch(/^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/);
      const rows = await codeRows(m.id);
      expect(rows).toHaveLength(10);
      const stored = JSON.stringify(rows);
      for (const code of m.codes) {
        expect(stored).not.toContain(code);
        expect(stored).not.toContain(normaliseRecoveryCode(code)!);
      }
      expect(rows.map((r) => r.hash).sort()).toEqual(
        m.codes.map((c) => recoveryCodeHash(normaliseRecoveryCode(c)!)).sort(),
      );
      expect(await get(RecoveryCodesLeft).execute(m.id)).toBe(10);
    });
  });

  describe('at login', () => {
    it('takes a recovery code in place of the TOTP code once, audits it and tells the maintainer', async () => {
      const m = await anActiveMaintainer();
      // As a person might type it: upper case, spaces, no dashes.
      const typed = m.codes[3].toUpperCase().replace(/-/g, ' ');
      await expect(get(VerifyTotpLogin).execute(m.id, typed, HOME)).resolves.toMatchObject({ id: m.id });
      const used = (await actions(`maintainer:${m.id}`)).filter((e) => e.action === 'maintainer.recovery_code_used');
      expect(used).toEqual([expect.objectContaining({ details: { remaining: 9, address: HOME } })]);
      expect(await mailText(m.email, 'maintainer.recovery_code_used', m.privateKey)).toContain(
        '9 of your recovery codes are left',
      );
      expect(await get(RecoveryCodesLeft).execute(m.id)).toBe(9);

      await expect(get(VerifyTotpLogin).execute(m.id, m.codes[3], HOME)).rejects.toMatchObject({
        code: 'NOT_AUTHENTICATED',
        field: 'code',
        message: expect.stringContaining('each code works once'),
      });
      expect(await get(RecoveryCodesLeft).execute(m.id)).toBe(9);
      const failures = (await actions(`maintainer:${m.id}`)).filter((e) => e.action === 'maintainer.login_failed');
      expect(failures.at(-1)?.details).toMatchObject({ step: 'recovery_code', reason: 'wrong_recovery_code' });
    });

    it("refuses another maintainer's code", async () => {
      const a = await anActiveMaintainer();
      const b = await anActiveMaintainer();
      await expect(get(VerifyTotpLogin).execute(b.id, a.codes[0], HOME)).rejects.toMatchObject({ field: 'code' });
      expect(await get(RecoveryCodesLeft).execute(a.id)).toBe(10);
    });

    it('slows wrong recovery codes down as wrong TOTP codes: a waiting address is not even checked', async () => {
      const m = await anActiveMaintainer();
      for (let i = 0; i < 3; i++) {
        await expect(get(VerifyTotpLogin).execute(m.id, 'aaaa-bbbb-cccc-dddd', STRANGER)).rejects.toMatchObject({
          field: 'code',
        });
      }
      // The third failure made the stranger's address wait: even a right code is not looked at.
      await expect(get(VerifyTotpLogin).execute(m.id, m.codes[0], STRANGER)).rejects.toMatchObject({
        message: expect.stringContaining('Too many failed attempts'),
      });
      expect(await get(RecoveryCodesLeft).execute(m.id)).toBe(10);
      // From the maintainer's own address, the code works.
      await expect(get(VerifyTotpLogin).execute(m.id, m.codes[0], HOME)).resolves.toMatchObject({ id: m.id });
    });
  });

  describe('RegenerateRecoveryCodes', () => {
    it('needs a right TOTP code; then the old codes stop working and the new ones work', async () => {
      const m = await anActiveMaintainer();
      const wrong = String((Number(m.totp.generate()) + 1) % 1_000_000).padStart(6, '0');
      await expect(get(RegenerateRecoveryCodes).execute(m.id, wrong, HOME)).rejects.toMatchObject({ field: 'code' });
      await expect(get(RegenerateRecoveryCodes).execute(m.id, '', HOME)).rejects.toMatchObject({ field: 'code' });
      expect((await codeRows(m.id)).map((r) => r.hash).sort()).toEqual(
        m.codes.map((c) => recoveryCodeHash(normaliseRecoveryCode(c)!)).sort(),
      );

      const fresh = await get(RegenerateRecoveryCodes).execute(m.id, m.totp.generate(), HOME);
      expect(fresh).toHaveLength(10);
      expect(fresh.filter((c) => m.codes.includes(c))).toEqual([]);
      await expect(get(VerifyTotpLogin).execute(m.id, m.codes[0], HOME)).rejects.toMatchObject({ field: 'code' });
      await expect(get(VerifyTotpLogin).execute(m.id, fresh[0], HOME)).resolves.toMatchObject({ id: m.id });
      expect(await get(RecoveryCodesLeft).execute(m.id)).toBe(9);
    });
  });

  describe('ResetMaintainerTotp', () => {
    it('erases the seed, codes and password, ends tokens, and mails a new enrolment link to the key', async () => {
      const a = await anActiveMaintainer();
      const b = await anActiveMaintainer();
      const { token } = await get(CreateApiToken).execute(b.id, 'ci');

      const done = await get(ResetMaintainerTotp).execute({
        maintainer: { id: b.id },
        actor: { maintainerId: a.id, code: a.totp.generate(), clientAddress: HOME },
      });
      expect(done).toMatchObject({ maintainerId: b.id, tokensRevoked: 1 });
      expect(await maintainerRow(b.id)).toMatchObject({
        status: 'invited',
        password_hash: null,
        totp_secret_sealed: null,
        totp_last_step: null,
      });
      expect(await codeRows(b.id)).toEqual([]);
      await expect(get(AuthenticateApiToken).execute(token)).rejects.toMatchObject({ code: 'NOT_AUTHENTICATED' });
      await expect(get(AuthenticatePassword).execute(b.email, PASSWORD, HOME)).rejects.toMatchObject({
        field: 'password',
      });
      expect((await actions(`maintainer:${b.id}`)).filter((e) => e.action === 'maintainer.totp_reset')).toEqual([
        {
          actor: `maintainer:${a.id}`,
          action: 'maintainer.totp_reset',
          details: { tokensRevoked: 1, recoveryCodesErased: 10 },
        },
      ]);

      // B comes back through enrolment with the link only its key can read.
      const text = await mailText(b.email, 'maintainer.totp_reset', b.privateKey);
      const link = /https:\/\/\S+\/admin\/enrol\/(\S+)/.exec(text)![1];
      await get(CompleteEnrolment).execute(link, 'another horse battery staple');
      await expect(get(AuthenticatePassword).execute(b.email, 'another horse battery staple', HOME)).resolves.toEqual({
        maintainerId: b.id,
        next: 'totp_enrolment',
      });
    });

    it('refuses a maintainer resetting itself, before any code is checked, and changes nothing', async () => {
      const a = await anActiveMaintainer();
      const before = await maintainerRow(a.id);
      await expect(
        get(ResetMaintainerTotp).execute({
          maintainer: { id: a.id },
          actor: { maintainerId: a.id, code: a.totp.generate(), clientAddress: HOME },
        }),
      ).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('ask another maintainer') });
      expect(await maintainerRow(a.id)).toEqual(before);
      expect(await codeRows(a.id)).toHaveLength(10);
      expect((await actions(`maintainer:${a.id}`)).map((e) => e.action)).not.toContain('maintainer.totp_reset');
    });

    it('refuses a wrong code of the acting maintainer and changes nothing of the target', async () => {
      const a = await anActiveMaintainer();
      const b = await anActiveMaintainer();
      const before = await maintainerRow(b.id);
      const wrong = String((Number(a.totp.generate()) + 1) % 1_000_000).padStart(6, '0');
      await expect(
        get(ResetMaintainerTotp).execute({
          maintainer: { id: b.id },
          actor: { maintainerId: a.id, code: wrong, clientAddress: HOME },
        }),
      ).rejects.toMatchObject({ field: 'code' });
      expect(await maintainerRow(b.id)).toEqual(before);
      expect(await codeRows(b.id)).toHaveLength(10);
    });

    it('takes two maintainers resetting each other at once one after the other: one reset, one refused', async () => {
      const a = await anActiveMaintainer();
      const b = await anActiveMaintainer();
      const outcomes = await Promise.allSettled([
        get(ResetMaintainerTotp).execute({
          maintainer: { id: b.id },
          actor: { maintainerId: a.id, code: a.totp.generate(), clientAddress: HOME },
        }),
        get(ResetMaintainerTotp).execute({
          maintainer: { id: a.id },
          actor: { maintainerId: b.id, code: b.totp.generate(), clientAddress: HOME },
        }),
      ]);
      expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
      const statuses = [(await maintainerRow(a.id)).status, (await maintainerRow(b.id)).status].sort();
      expect(statuses).toEqual(['active', 'invited']);
    });

    it('lets the operator (CLI) reset a maintainer without a code', async () => {
      const only = await anActiveMaintainer();
      await expect(
        get(ResetMaintainerTotp).execute({ maintainer: { email: only.email.toUpperCase() }, actor: 'cli' }),
      ).resolves.toMatchObject({ maintainerId: only.id });
      expect(await maintainerRow(only.id)).toMatchObject({ status: 'invited', totp_secret_sealed: null });
      expect((await actions(`maintainer:${only.id}`)).at(-1)).toMatchObject({
        actor: 'cli',
        action: 'maintainer.totp_reset',
      });
    });
  });
});
