import { maintainersTestbed, PASSWORD, HOME } from '../../../test/support/maintainers-testbed';
import {
  AuthenticateApiToken,
  AuthenticatePassword,
  ChangeMaintainerStanding,
  CreateApiToken,
  StandingChangeRequest,
} from './index';

describe('maintainers: standing', () => {
  const t = maintainersTestbed();
  const { get, row, auditActions, anInvitedMaintainer, anActiveMaintainer } = t;

  describe('ChangeMaintainerStanding', () => {
    const change = (request: StandingChangeRequest) => get(ChangeMaintainerStanding).execute(request);
    const by = (m: { maintainerId: string }) => `maintainer:${m.maintainerId}`;
    /** Everything these tests look at, to prove a refusal changed nothing. */
    const snapshot = async () => [
      await t.ds.query('SELECT id, status, password_hash, totp_secret_sealed FROM maintainer ORDER BY id'),
      await t.ds.query('SELECT id, revoked_at FROM api_token ORDER BY id'),
      await t.ds.query('SELECT count(*) AS n FROM audit_entry'),
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
      await t.ds.query(`UPDATE maintainer SET status = 'disabled' WHERE id NOT IN ($1, $2) AND status <> 'removed'`, [
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
