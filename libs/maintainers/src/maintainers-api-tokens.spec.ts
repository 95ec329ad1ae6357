import { hashToken } from '@cordon/crypto';
import { maintainersTestbed } from '../../../test/support/maintainers-testbed';
import { AuthenticateApiToken, CreateApiToken, ListApiTokens, RevokeApiToken } from './index';

describe('maintainers: API tokens', () => {
  const t = maintainersTestbed();
  const { get, auditActions, anActiveMaintainer } = t;

  describe('API tokens', () => {
    it('are shown once, stored as a hash, and act for their maintainer', async () => {
      const { maintainerId, email } = await anActiveMaintainer();
      const created = await get(CreateApiToken).execute(maintainerId, 'release script');
      expect(created.token).toMatch(/^cordon_[A-Za-z0-9_-]{43}$/);
      const stored = (await t.ds.query('SELECT hash FROM api_token WHERE id = $1', [created.id])) as { hash: string }[];
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
      await t.ds.query(`UPDATE maintainer SET status = 'disabled' WHERE id = $1`, [maintainerId]);
      await expect(get(AuthenticateApiToken).execute(token)).rejects.toMatchObject({ code: 'NOT_AUTHENTICATED' });
      await expect(get(AuthenticateApiToken).execute("cordon_' OR 1=1 --")).rejects.toMatchObject({
        code: 'NOT_AUTHENTICATED',
      });
      await expect(get(RevokeApiToken).execute(maintainerId, 'not-a-uuid')).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
    });
  });
});
