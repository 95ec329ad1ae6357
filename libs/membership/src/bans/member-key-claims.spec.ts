import { ListKey } from '@cordon/crypto';
import { AddMaintainer } from '@cordon/maintainers';
import { Policies } from '@cordon/policy';
import { DataSource } from 'typeorm';
import { freshDatabaseLocation } from '../../../../test/support/database';
import { withDomain } from '../../../../test/support/domain-context';
import { aMember } from '../../../../test/support/factories';
import { anOpenpgpKey } from '../../../../test/support/keys';

/**
 * The maintainers lib never reads the member table (docs/architecture.md, Layout): membership
 * claims its members' keys with it (KeyClaims), so a key that is a member's is still refused for a
 * maintainer, since the relay tells a maintainer's post from a member's by its signing key.
 */
describe("a member's key claimed with the maintainers lib", () => {
  it("refuses a member's key for a new maintainer, and takes a key of the maintainer's own", async () => {
    const location = await freshDatabaseLocation();
    const env = {
      DATA_DIR: location.dataDir,
      ...(location.databaseUrl ? { DATABASE_URL: location.databaseUrl } : {}),
      PUBLIC_URL: 'https://cordon.example.org',
      LIST_ADDRESS: 'distributors@example.org',
    };
    try {
      await withDomain(env, async (app) => {
        await app.get(DataSource).transaction(async (manager) => {
          await app.get(ListKey).ensure(manager);
          await app.get(Policies).ensurePublished(manager, 'system');
        });
        const memberKey = await anOpenpgpKey('security@distro.example');
        await aMember(app, { email: 'security@distro.example', key: memberKey.publicKey });
        const add = app.get(AddMaintainer);

        await expect(
          // The key policy asks for a user ID with the maintainer's address: the member's own address.
          add.execute({ email: 'security@distro.example', name: 'Lead', keyArmored: memberKey.publicKey }),
        ).rejects.toMatchObject({
          code: 'INVALID_INPUT',
          field: 'key',
          message: expect.stringMatching(/already in use/),
        });
        const own = await anOpenpgpKey('lead@example.org');
        const added = await add.execute({ email: 'lead@example.org', name: 'Lead', keyArmored: own.publicKey });
        expect(added.keyFingerprint).toBe(own.fingerprint);
      });
    } finally {
      await location.remove();
    }
  }, 120_000);
});
