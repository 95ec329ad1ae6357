import { randomBytes } from 'node:crypto';
import { Test } from '@nestjs/testing';
import { generateKey } from 'openpgp';
import { Secret, TOTP } from 'otpauth';
import { DataSource } from 'typeorm';
import { AuditModule, auditEntities } from '@cordon/audit';
import { ConfigModule, parseSettings } from '@cordon/config';
import { CryptoModule, cryptoEntities, hashToken, ServerSecret } from '@cordon/crypto';
import { Database, openDatabase, PersistenceModule } from '@cordon/persistence';
import { testAuditKey } from '../../../test/support/audit';
import { freshDatabaseLocation } from '../../../test/support/database';
import {
  AddMaintainer,
  AuthenticateApiToken,
  AuthenticatePassword,
  ChangeMaintainerStanding,
  CompleteEnrolment,
  ConfirmTotpEnrolment,
  CreateApiToken,
  ListApiTokens,
  ListMaintainers,
  maintainersEntities,
  MaintainersModule,
  RevokeApiToken,
  StandingChangeRequest,
  StartTotpEnrolment,
  VerifyTotpLogin,
} from './index';

const PASSWORD = 'correct horse battery staple';
/** Where the logins of these tests come from (the web app passes req.ip), and a stranger's address. */
const HOME = '192.0.2.10';
const STRANGER = '203.0.113.66';
const keys = new Map<string, Promise<string>>();
/** One curve25519 (GnuPG-readable) public key per address, generated once per run. */
function aKeyFor(email: string): Promise<string> {
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

describe('maintainers', () => {
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
      entities: [...auditEntities, ...cryptoEntities, ...maintainersEntities],
    });
    ds = database.dataSource;
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

  const row = async (id: string) =>
    ((await ds.query('SELECT * FROM maintainer WHERE id = $1', [id])) as Record<string, unknown>[])[0];
  /** The slow-down of one (maintainer, address) pair, or undefined when it has none. */
  const pair = async (id: string, address = HOME) =>
    (
      (await ds.query('SELECT * FROM login_throttle WHERE maintainer_id = $1 AND address = $2', [id, address])) as {
        failures: number;
        not_before: Date | null;
        last_failed_at: Date;
        unreported_passwords: number;
        unreported_codes: number;
      }[]
    )[0];
  const auditActions = async (subject: string) =>
    (await ds.query('SELECT action, details FROM audit_entry WHERE subject = $1 ORDER BY seq', [subject])) as {
      action: string;
      details: Record<string, unknown>;
    }[];

  async function anInvitedMaintainer() {
    const email = `maintainer${++counter}@example.org`;
    const added = await get(AddMaintainer).execute({
      email,
      name: `Maintainer ${counter}`,
      keyArmored: await aKeyFor(email),
    });
    return { ...added, email, token: added.enrolmentUrl.split('/').pop()! };
  }

  async function anEnrolledMaintainer() {
    const invited = await anInvitedMaintainer();
    await get(CompleteEnrolment).execute(invited.token, PASSWORD);
    return invited;
  }

  async function anActiveMaintainer() {
    const enrolled = await anEnrolledMaintainer();
    const { secret } = await get(StartTotpEnrolment).execute(enrolled.maintainerId);
    const totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
    await get(ConfirmTotpEnrolment).execute(enrolled.maintainerId, totp.generate(), HOME);
    return { ...enrolled, totp };
  }

  describe('AddMaintainer', () => {
    it('adds an invited maintainer with a one-time enrolment link', async () => {
      const { maintainerId, enrolmentUrl } = await anInvitedMaintainer();
      expect(enrolmentUrl).toMatch(/^https:\/\/cordon\.example\.org\/admin\/enrol\/[A-Za-z0-9_-]{43}$/);
      expect(await row(maintainerId)).toMatchObject({
        status: 'invited',
        password_hash: null,
        totp_secret_sealed: null,
      });
      expect((await auditActions(`maintainer:${maintainerId}`)).map((e) => e.action)).toEqual(['maintainer.added']);
    });

    it('refuses a second maintainer with the same address, in any case, and adds nothing', async () => {
      const { email } = await anInvitedMaintainer();
      const before = await ds.query('SELECT count(*) FROM maintainer');
      await expect(
        get(AddMaintainer).execute({ email: email.toUpperCase(), name: 'Twin', keyArmored: await aKeyFor(email) }),
      ).rejects.toMatchObject({ code: 'ALREADY_EXISTS', field: 'email' });
      expect(await ds.query('SELECT count(*) FROM maintainer')).toEqual(before);
    });

    it('refuses a key without a user ID for the address, and adds nothing', async () => {
      const before = await ds.query('SELECT count(*) FROM maintainer');
      await expect(
        get(AddMaintainer).execute({
          email: 'someone@example.org',
          name: 'Someone',
          keyArmored: await aKeyFor('other@example.org'),
        }),
      ).rejects.toMatchObject({ code: 'KEY_NO_MATCHING_USER_ID' });
      expect(await ds.query('SELECT count(*) FROM maintainer')).toEqual(before);
    });

    it('joins the caller’s transaction when given one', async () => {
      const email = 'rolled-back@example.org';
      const keyArmored = await aKeyFor(email);
      await expect(
        ds.transaction(async (manager) => {
          await get(AddMaintainer).execute({ email, name: 'Rolled back', keyArmored }, manager);
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await ds.query('SELECT 1 FROM maintainer WHERE email = $1', [email])).toEqual([]);
    });
  });

  describe('CompleteEnrolment', () => {
    it('stores an argon2id hash and uses the link up', async () => {
      const { maintainerId, token } = await anInvitedMaintainer();
      await get(CompleteEnrolment).execute(token, PASSWORD);
      const stored = (await row(maintainerId)).password_hash as string;
      expect(stored).toMatch(/^\$argon2id\$/);
      await expect(get(CompleteEnrolment).execute(token, 'another long password')).rejects.toMatchObject({
        code: 'LINK_INVALID',
      });
      expect((await row(maintainerId)).password_hash).toBe(stored);
    });

    it('refuses a short password with a field error and leaves the link usable', async () => {
      const { maintainerId, token } = await anInvitedMaintainer();
      await expect(get(CompleteEnrolment).execute(token, 'too short')).rejects.toMatchObject({
        code: 'INVALID_INPUT',
        field: 'password',
      });
      expect((await row(maintainerId)).password_hash).toBeNull();
      await get(CompleteEnrolment).execute(token, PASSWORD);
    });

    it('refuses an expired link and changes nothing', async () => {
      const { maintainerId, token } = await anInvitedMaintainer();
      await ds.query(`UPDATE one_time_token SET expires_at = now() - interval '1 minute' WHERE hash = $1`, [
        hashToken(token),
      ]);
      await expect(get(CompleteEnrolment).execute(token, PASSWORD)).rejects.toMatchObject({ code: 'LINK_INVALID' });
      expect((await row(maintainerId)).password_hash).toBeNull();
    });
  });

  describe('AuthenticatePassword', () => {
    it('accepts the password of an enrolled maintainer and asks for TOTP set-up next', async () => {
      const { maintainerId, email } = await anEnrolledMaintainer();
      await expect(get(AuthenticatePassword).execute(email.toUpperCase(), PASSWORD, HOME)).resolves.toEqual({
        maintainerId,
        next: 'totp_enrolment',
      });
    });

    it('gives one refusal for an unknown address, a wrong password and no password set yet', async () => {
      const invited = await anInvitedMaintainer();
      const enrolled = await anEnrolledMaintainer();
      const refusals = await Promise.all(
        [
          get(AuthenticatePassword).execute('nobody@example.org', PASSWORD, HOME),
          get(AuthenticatePassword).execute(enrolled.email, 'wrong password, long enough', HOME),
          get(AuthenticatePassword).execute(invited.email, PASSWORD, HOME),
        ].map((attempt) =>
          attempt.then(
            () => null,
            (error: Error) => error.message,
          ),
        ),
      );
      expect(new Set(refusals).size).toBe(1);
      expect(refusals[0]).toMatch(/not right/);
      expect((await pair(enrolled.maintainerId))?.failures).toBe(1);
    });

    it('records failed logins without the password', async () => {
      const { maintainerId, email } = await anEnrolledMaintainer();
      await expect(get(AuthenticatePassword).execute(email, 'hunter2 hunter2 hunter2', HOME)).rejects.toMatchObject({
        code: 'NOT_AUTHENTICATED',
      });
      const failed = (await auditActions(`maintainer:${maintainerId}`)).filter(
        (e) => e.action === 'maintainer.login_failed',
      );
      expect(failed).toHaveLength(1);
      expect(failed[0].details).toMatchObject({ step: 'password', reason: 'wrong_password' });
      expect(JSON.stringify(await ds.query('SELECT details FROM audit_entry'))).not.toContain('hunter2');
    });

    it('slows down a stranger after LOGIN_MAX_ATTEMPTS failures, while the maintainer logs in from its own address', async () => {
      const { maintainerId, email } = await anEnrolledMaintainer();
      for (let i = 0; i < 3; i++)
        await expect(get(AuthenticatePassword).execute(email, `wrong password ${i}!`, STRANGER)).rejects.toThrow();
      const third = (await pair(maintainerId, STRANGER))!;
      expect(third.failures).toBe(3);
      expect(third.not_before!.getTime() - third.last_failed_at.getTime()).toBe(1000);
      // As after a long run of guesses: the address waits minutes (a second may pass during argon2).
      await ds.query(`UPDATE login_throttle SET not_before = now() + interval '10 minutes' WHERE maintainer_id = $1`, [
        maintainerId,
      ]);
      const slowed = (await pair(maintainerId, STRANGER))!;
      // The stranger's next attempt is not even checked: the right password is refused, and neither counts nor waits longer.
      await expect(get(AuthenticatePassword).execute(email, PASSWORD, STRANGER)).rejects.toMatchObject({
        code: 'NOT_AUTHENTICATED',
      });
      expect(await pair(maintainerId, STRANGER)).toMatchObject({ failures: 3, not_before: slowed.not_before });
      // Nothing is locked: from its own address the maintainer gets in at once.
      await expect(get(AuthenticatePassword).execute(email, PASSWORD, HOME)).resolves.toMatchObject({ maintainerId });
      expect(await row(maintainerId)).not.toHaveProperty('locked_until');
    });

    it('makes each further failure from the address wait twice as long, up to 15 minutes', async () => {
      const { maintainerId, email } = await anEnrolledMaintainer();
      const waits: number[] = [];
      for (let i = 0; i < 6; i++) {
        await ds.query('UPDATE login_throttle SET not_before = NULL WHERE maintainer_id = $1', [maintainerId]);
        await expect(get(AuthenticatePassword).execute(email, `wrong password ${i}!`, STRANGER)).rejects.toThrow();
        const { not_before, last_failed_at } = (await pair(maintainerId, STRANGER))!;
        waits.push(not_before ? (not_before.getTime() - last_failed_at.getTime()) / 1000 : 0);
      }
      expect(waits).toEqual([0, 0, 1, 2, 4, 8]);
      await ds.query('UPDATE login_throttle SET failures = 40, not_before = NULL WHERE maintainer_id = $1', [
        maintainerId,
      ]);
      await expect(get(AuthenticatePassword).execute(email, 'one more wrong one', STRANGER)).rejects.toThrow();
      const capped = (await pair(maintainerId, STRANGER))!;
      expect(capped.not_before!.getTime() - capped.last_failed_at.getTime()).toBe(15 * 60_000);
    });

    it('checks the address again once its wait has run out', async () => {
      const { maintainerId, email } = await anEnrolledMaintainer();
      for (let i = 0; i < 3; i++)
        await expect(get(AuthenticatePassword).execute(email, `wrong password ${i}!`, STRANGER)).rejects.toThrow();
      await ds.query(`UPDATE login_throttle SET not_before = now() - interval '1 second' WHERE maintainer_id = $1`, [
        maintainerId,
      ]);
      await expect(get(AuthenticatePassword).execute(email, PASSWORD, STRANGER)).resolves.toMatchObject({
        maintainerId,
      });
    });

    it('counts an IPv6 client by its /64, so a stranger cannot rotate through its own addresses', async () => {
      const { maintainerId, email } = await anEnrolledMaintainer();
      for (const address of ['2001:db8:0:12::1', '2001:0db8:0000:0012:a:b:c:d', '2001:db8:0:12::9'])
        await expect(get(AuthenticatePassword).execute(email, 'wrong password here', address)).rejects.toThrow();
      expect((await pair(maintainerId, '2001:db8:0:12::/64'))?.failures).toBe(3);
    });

    it('refuses a disabled maintainer', async () => {
      const { maintainerId, email } = await anActiveMaintainer();
      await ds.query(`UPDATE maintainer SET status = 'disabled' WHERE id = $1`, [maintainerId]);
      await expect(get(AuthenticatePassword).execute(email, PASSWORD, HOME)).rejects.toMatchObject({
        code: 'NOT_AUTHENTICATED',
      });
    });
  });

  describe('TOTP', () => {
    it('keeps the secret sealed, and shows the same one until it is confirmed', async () => {
      const { maintainerId } = await anEnrolledMaintainer();
      const first = await get(StartTotpEnrolment).execute(maintainerId);
      expect(first.uri).toMatch(/^otpauth:\/\/totp\/.*secret=[A-Z2-7]+.*algorithm=SHA1.*digits=6.*period=30/);
      expect(first.qrCode).toMatch(/^data:image\/png;base64,/);
      const sealed = (await row(maintainerId)).totp_secret_sealed as string;
      expect(sealed).not.toContain(first.secret);
      expect((await get(StartTotpEnrolment).execute(maintainerId)).secret).toBe(first.secret);
    });

    it('activates the maintainer on the first right code, and refuses a wrong one', async () => {
      const { maintainerId } = await anEnrolledMaintainer();
      const { secret } = await get(StartTotpEnrolment).execute(maintainerId);
      const totp = new TOTP({ secret: Secret.fromBase32(secret) });
      const wrong = String((Number(totp.generate()) + 1) % 1_000_000).padStart(6, '0');
      await expect(get(ConfirmTotpEnrolment).execute(maintainerId, wrong, HOME)).rejects.toMatchObject({
        field: 'code',
      });
      expect(await row(maintainerId)).toMatchObject({ status: 'invited' });
      expect(await pair(maintainerId)).toMatchObject({ failures: 1, unreported_codes: 1 });
      await expect(get(ConfirmTotpEnrolment).execute(maintainerId, totp.generate(), HOME)).resolves.toMatchObject({
        maintainer: { id: maintainerId },
      });
      expect(await row(maintainerId)).toMatchObject({ status: 'active' });
      // The login clears the count; the failure stays until the maintainer has been told of it.
      expect(await pair(maintainerId)).toMatchObject({ failures: 0, not_before: null, unreported_codes: 1 });
    });

    it('refuses a replayed code at login', async () => {
      const { maintainerId, totp } = await anActiveMaintainer();
      const next = totp.generate({ timestamp: Date.now() + 30_000 });
      await expect(get(VerifyTotpLogin).execute(maintainerId, next, HOME)).resolves.toMatchObject({ id: maintainerId });
      await expect(get(VerifyTotpLogin).execute(maintainerId, next, HOME)).rejects.toMatchObject({
        message: expect.stringMatching(/used already/),
      });
      // The code of the enrolment step is older still.
      await expect(get(VerifyTotpLogin).execute(maintainerId, totp.generate(), HOME)).rejects.toMatchObject({
        code: 'NOT_AUTHENTICATED',
      });
    });

    it('slows down an address that guesses codes, and says how long to wait', async () => {
      const { maintainerId, totp } = await anActiveMaintainer();
      for (let i = 0; i < 3; i++)
        await expect(get(VerifyTotpLogin).execute(maintainerId, '000000', STRANGER)).rejects.toThrow();
      expect((await pair(maintainerId, STRANGER))?.not_before).not.toBeNull();
      await ds.query(`UPDATE login_throttle SET not_before = now() + interval '10 minutes' WHERE maintainer_id = $1`, [
        maintainerId,
      ]);
      const next = totp.generate({ timestamp: Date.now() + 30_000 });
      await expect(get(VerifyTotpLogin).execute(maintainerId, next, STRANGER)).rejects.toMatchObject({
        message: expect.stringMatching(/from your address: wait (599|600) seconds/),
      });
      await expect(get(VerifyTotpLogin).execute(maintainerId, next, HOME)).resolves.toMatchObject({ id: maintainerId });
    });

    it('does not offer enrolment to an active maintainer (the second factor cannot be replaced by a password holder)', async () => {
      const { maintainerId } = await anActiveMaintainer();
      await expect(get(StartTotpEnrolment).execute(maintainerId)).rejects.toMatchObject({ code: 'NOT_AUTHENTICATED' });
    });
  });

  describe('API tokens', () => {
    it('are shown once, stored as a hash, and act for their maintainer', async () => {
      const { maintainerId, email } = await anActiveMaintainer();
      const created = await get(CreateApiToken).execute(maintainerId, 'release script');
      expect(created.token).toMatch(/^cordon_[A-Za-z0-9_-]{43}$/);
      const stored = (await ds.query('SELECT hash FROM api_token WHERE id = $1', [created.id])) as { hash: string }[];
      expect(stored[0].hash).toBe(hashToken(created.token));
      await expect(get(AuthenticateApiToken).execute(created.token)).resolves.toEqual({
        id: maintainerId,
        email,
        name: expect.any(String),
      });
      const [listed] = await get(ListApiTokens).execute(maintainerId);
      expect(listed).toMatchObject({
        id: created.id,
        name: 'release script',
        revokedAt: null,
        lastUsedAt: expect.any(Date),
      });
      expect(listed).not.toHaveProperty('hash');
    });

    it('stop working when revoked, and only their owner may revoke them', async () => {
      const owner = await anActiveMaintainer();
      const other = await anActiveMaintainer();
      const { id, token } = await get(CreateApiToken).execute(owner.maintainerId, 'ci');
      await expect(get(RevokeApiToken).execute(other.maintainerId, id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await get(AuthenticateApiToken).execute(token);
      await get(RevokeApiToken).execute(owner.maintainerId, id);
      await expect(get(AuthenticateApiToken).execute(token)).rejects.toMatchObject({ code: 'NOT_AUTHENTICATED' });
      expect((await auditActions(`api_token:${id}`)).map((e) => e.action)).toEqual([
        'api_token.created',
        'api_token.revoked',
      ]);
    });

    it('refuse tokens of maintainers who are not active, and anything that is not a token', async () => {
      const { maintainerId } = await anActiveMaintainer();
      const { token } = await get(CreateApiToken).execute(maintainerId, 'old');
      await ds.query(`UPDATE maintainer SET status = 'disabled' WHERE id = $1`, [maintainerId]);
      await expect(get(AuthenticateApiToken).execute(token)).rejects.toMatchObject({ code: 'NOT_AUTHENTICATED' });
      await expect(get(AuthenticateApiToken).execute("cordon_' OR 1=1 --")).rejects.toMatchObject({
        code: 'NOT_AUTHENTICATED',
      });
      await expect(get(RevokeApiToken).execute(maintainerId, 'not-a-uuid')).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
    });
  });

  it('lists maintainers with their key fingerprints and status', async () => {
    const { maintainerId, email } = await anInvitedMaintainer();
    const listed = (await get(ListMaintainers).execute()).find((m) => m.id === maintainerId);
    expect(listed).toMatchObject({ email, status: 'invited', keyFingerprint: expect.stringMatching(/^[0-9A-F]{40}$/) });
  });

  describe('ChangeMaintainerStanding', () => {
    const change = (request: StandingChangeRequest) => get(ChangeMaintainerStanding).execute(request);
    const by = (m: { maintainerId: string }) => `maintainer:${m.maintainerId}`;
    /** Everything these tests look at, to prove a refusal changed nothing. */
    const snapshot = async () => [
      await ds.query('SELECT id, status, password_hash, totp_secret_sealed FROM maintainer ORDER BY id'),
      await ds.query('SELECT id, revoked_at FROM api_token ORDER BY id'),
      await ds.query('SELECT count(*) AS n FROM audit_entry'),
    ];
    /** A hostile change: refused with this code, and nothing changed. */
    async function refusedUnchanged(request: StandingChangeRequest, code: string) {
      const before = await snapshot();
      await expect(change(request)).rejects.toMatchObject({ code });
      expect(await snapshot()).toEqual(before);
    }

    it('disables a maintainer at once: its tokens are revoked, its password refused; enable brings it back', async () => {
      const admin = await anActiveMaintainer();
      const leaving = await anActiveMaintainer();
      const { token } = await get(CreateApiToken).execute(leaving.maintainerId, 'ci');
      const done = await change({ change: 'disable', maintainer: { id: leaving.maintainerId }, actor: by(admin) });
      expect(done).toMatchObject({ status: 'disabled', tokensRevoked: 1 });
      await expect(get(AuthenticateApiToken).execute(token)).rejects.toMatchObject({ code: 'NOT_AUTHENTICATED' });
      await expect(get(AuthenticatePassword).execute(leaving.email, PASSWORD, HOME)).rejects.toMatchObject({
        code: 'NOT_AUTHENTICATED',
      });

      await change({ change: 'enable', maintainer: { email: leaving.email.toUpperCase() }, actor: 'cli' });
      expect(await row(leaving.maintainerId)).toMatchObject({ status: 'active' });
      // Its old tokens stay revoked: a maintainer who comes back makes new ones.
      await expect(get(AuthenticateApiToken).execute(token)).rejects.toMatchObject({ code: 'NOT_AUTHENTICATED' });
      await expect(get(AuthenticatePassword).execute(leaving.email, PASSWORD, HOME)).resolves.toMatchObject({
        next: 'totp',
      });
      expect((await auditActions(`maintainer:${leaving.maintainerId}`)).map((e) => e.action)).toEqual(
        expect.arrayContaining(['maintainer.disabled', 'maintainer.enabled']),
      );
    });

    it('enables a maintainer who never enrolled as invited again', async () => {
      const invited = await anInvitedMaintainer();
      await change({ change: 'disable', maintainer: { id: invited.maintainerId }, actor: 'cli' });
      await change({ change: 'enable', maintainer: { id: invited.maintainerId }, actor: 'cli' });
      expect(await row(invited.maintainerId)).toMatchObject({ status: 'invited' });
    });

    it('removes a maintainer for good: credentials erased, and it cannot be enabled again', async () => {
      const admin = await anActiveMaintainer();
      const leaving = await anActiveMaintainer();
      await change({ change: 'remove', maintainer: { id: leaving.maintainerId }, actor: by(admin) });
      expect(await row(leaving.maintainerId)).toMatchObject({
        status: 'removed',
        password_hash: null,
        totp_secret_sealed: null,
      });
      await refusedUnchanged(
        { change: 'enable', maintainer: { id: leaving.maintainerId }, actor: by(admin) },
        'WRONG_STATE',
      );
    });

    it('refuses a maintainer stepping down another', async () => {
      const one = await anActiveMaintainer();
      const other = await anActiveMaintainer();
      await refusedUnchanged(
        { change: 'step_down', maintainer: { id: other.maintainerId }, actor: by(one) },
        'FORBIDDEN',
      );
    });

    it('refuses to disable, remove or step down the last active maintainer, and changes nothing', async () => {
      const last = await anActiveMaintainer();
      const invited = await anInvitedMaintainer();
      await ds.query(`UPDATE maintainer SET status = 'disabled' WHERE id NOT IN ($1, $2) AND status <> 'removed'`, [
        last.maintainerId,
        invited.maintainerId,
      ]);
      const { token } = await get(CreateApiToken).execute(last.maintainerId, 'kept');
      for (const request of [
        { change: 'disable', maintainer: { id: last.maintainerId }, actor: 'cli' },
        { change: 'remove', maintainer: { email: last.email }, actor: 'cli' },
        { change: 'step_down', maintainer: { id: last.maintainerId }, actor: by(last) },
      ] as const) {
        await refusedUnchanged(request, 'LAST_ACTIVE_MAINTAINER');
      }
      await expect(get(AuthenticateApiToken).execute(token)).resolves.toMatchObject({ id: last.maintainerId });
      // An invited maintainer may go while an active one stays.
      await change({ change: 'remove', maintainer: { id: invited.maintainerId }, actor: by(last) });
    });

    it('refuses a maintainer it does not know', async () => {
      await expect(
        change({ change: 'disable', maintainer: { email: 'nobody@example.org' }, actor: 'cli' }),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(change({ change: 'disable', maintainer: { id: 'x' }, actor: 'cli' })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
    });
  });
});
