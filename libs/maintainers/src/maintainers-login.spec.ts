import { maintainersTestbed, PASSWORD, HOME, STRANGER } from '../../../test/support/maintainers-testbed';
import { AuthenticatePassword } from './index';

describe('maintainers: password login', () => {
  const t = maintainersTestbed();
  const { get, row, pair, auditActions, anInvitedMaintainer, anEnrolledMaintainer, anActiveMaintainer } = t;

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
      expect(JSON.stringify(await t.ds.query('SELECT details FROM audit_entry'))).not.toContain('hunter2');
    });

    it('slows down a stranger after LOGIN_MAX_ATTEMPTS failures, while the maintainer logs in from its own address', async () => {
      const { maintainerId, email } = await anEnrolledMaintainer();
      for (let i = 0; i < 3; i++)
        await expect(get(AuthenticatePassword).execute(email, `wrong password ${i}!`, STRANGER)).rejects.toThrow();
      const third = (await pair(maintainerId, STRANGER))!;
      expect(third.failures).toBe(3);
      expect(third.not_before!.getTime() - third.last_failed_at.getTime()).toBe(1000);
      // As after a long run of guesses: the address waits minutes (a second may pass during argon2).
      await t.ds.query(
        `UPDATE login_throttle SET not_before = now() + interval '10 minutes' WHERE maintainer_id = $1`,
        [maintainerId],
      );
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
        await t.ds.query('UPDATE login_throttle SET not_before = NULL WHERE maintainer_id = $1', [maintainerId]);
        await expect(get(AuthenticatePassword).execute(email, `wrong password ${i}!`, STRANGER)).rejects.toThrow();
        const { not_before, last_failed_at } = (await pair(maintainerId, STRANGER))!;
        waits.push(not_before ? (not_before.getTime() - last_failed_at.getTime()) / 1000 : 0);
      }
      expect(waits).toEqual([0, 0, 1, 2, 4, 8]);
      await t.ds.query('UPDATE login_throttle SET failures = 40, not_before = NULL WHERE maintainer_id = $1', [
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
      await t.ds.query(`UPDATE login_throttle SET not_before = now() - interval '1 second' WHERE maintainer_id = $1`, [
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
      await t.ds.query(`UPDATE maintainer SET status = 'disabled' WHERE id = $1`, [maintainerId]);
      await expect(get(AuthenticatePassword).execute(email, PASSWORD, HOME)).rejects.toMatchObject({
        code: 'NOT_AUTHENTICATED',
      });
    });
  });
});
