import { Secret, TOTP } from 'otpauth';
import { hashToken } from '@cordon/crypto';
import { maintainersTestbed, PASSWORD, HOME, STRANGER, aKeyFor } from '../../../test/support/maintainers-testbed';
import {
  AddMaintainer,
  CompleteEnrolment,
  ConfirmTotpEnrolment,
  ListMaintainers,
  StartTotpEnrolment,
  VerifyTotpLogin,
} from './index';

describe('maintainers: enrolment', () => {
  const t = maintainersTestbed();
  const { get, row, pair, auditActions, anInvitedMaintainer, anEnrolledMaintainer, anActiveMaintainer } = t;

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
      const before = await t.ds.query('SELECT count(*) FROM maintainer');
      await expect(
        get(AddMaintainer).execute({ email: email.toUpperCase(), name: 'Twin', keyArmored: await aKeyFor(email) }),
      ).rejects.toMatchObject({ code: 'ALREADY_EXISTS', field: 'email' });
      expect(await t.ds.query('SELECT count(*) FROM maintainer')).toEqual(before);
    });

    it('refuses a key without a user ID for the address, and adds nothing', async () => {
      const before = await t.ds.query('SELECT count(*) FROM maintainer');
      await expect(
        get(AddMaintainer).execute({
          email: 'someone@example.org',
          name: 'Someone',
          keyArmored: await aKeyFor('other@example.org'),
        }),
      ).rejects.toMatchObject({ code: 'KEY_NO_MATCHING_USER_ID' });
      expect(await t.ds.query('SELECT count(*) FROM maintainer')).toEqual(before);
    });

    it('joins the caller’s transaction when given one', async () => {
      const email = 'rolled-back@example.org';
      const keyArmored = await aKeyFor(email);
      await expect(
        t.ds.transaction(async (manager) => {
          await get(AddMaintainer).execute({ email, name: 'Rolled back', keyArmored }, manager);
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await t.ds.query('SELECT 1 FROM maintainer WHERE email = $1', [email])).toEqual([]);
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
      await t.ds.query(`UPDATE one_time_token SET expires_at = now() - interval '1 minute' WHERE hash = $1`, [
        hashToken(token),
      ]);
      await expect(get(CompleteEnrolment).execute(token, PASSWORD)).rejects.toMatchObject({ code: 'LINK_INVALID' });
      expect((await row(maintainerId)).password_hash).toBeNull();
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
      await t.ds.query(
        `UPDATE login_throttle SET not_before = now() + interval '10 minutes' WHERE maintainer_id = $1`,
        [maintainerId],
      );
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

  it('lists maintainers with their key fingerprints and status', async () => {
    const { maintainerId, email } = await anInvitedMaintainer();
    const listed = (await get(ListMaintainers).execute()).find((m) => m.id === maintainerId);
    expect(listed).toMatchObject({ email, status: 'invited', keyFingerprint: expect.stringMatching(/^[0-9A-F]{40}$/) });
  });
});
