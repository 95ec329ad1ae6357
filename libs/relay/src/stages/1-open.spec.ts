import { PrivateKey } from 'openpgp';
import { ListKey } from '@cordon/crypto';
import { PostingMaintainerKeys } from '@cordon/maintainers';
import {
  aPost,
  plaintextPost,
  POST_SUBJECT,
  postingKeys,
  signedByStranger,
  thunderbirdPost,
} from '../../../../test/support/client-mail';
import { anOpenpgpKey } from '../../../../test/support/keys';
import { aDataSource, aStoredPost } from '../../../../test/support/post-states';
import { testSettings } from '../../../../test/support/settings';
import { OpenStage } from './1-open';

// Stage 1 on its own: it opens what a maintainer who may post signed, and refuses the rest with
// the code openPost gives (docs/architecture.md, "The relay as stages"; invariant 3).
describe('stage 1, open', () => {
  let listKey: PrivateKey;
  let maintainer: PrivateKey;
  let maintainerArmored: string;

  beforeAll(async () => {
    ({ listKey, maintainer } = await postingKeys());
    maintainerArmored = maintainer.toPublic().armor();
  });

  const stage = (keys: { maintainerId: string; keyArmored: string }[]) =>
    new OpenStage(
      aDataSource(),
      { secretKey: async () => listKey } as unknown as ListKey,
      { list: async () => keys } as unknown as PostingMaintainerKeys,
      testSettings({ DATA_DIR: '/nonexistent' }),
    );

  it('opens a post signed by a maintainer who may post, and names that maintainer', async () => {
    const raw = await thunderbirdPost(aPost(maintainer, listKey.toPublic()));
    const verdict = await stage([{ maintainerId: 'm-1', keyArmored: maintainerArmored }]).run(aStoredPost(raw));
    expect(verdict.kind).toBe('continue');
    if (verdict.kind !== 'continue') return;
    expect(verdict.state.opened).toMatchObject({ maintainerId: 'm-1', subject: POST_SUBJECT });
    expect(verdict.state.inbound.raw).toBe(raw);
  });

  it("refuses a post signed by a key that is no posting maintainer's", async () => {
    const stranger = (await anOpenpgpKey('stranger@example.net')).privateKey;
    const raw = await signedByStranger({ ...aPost(maintainer, listKey.toPublic()), stranger });
    const verdict = await stage([{ maintainerId: 'm-1', keyArmored: maintainerArmored }]).run(aStoredPost(raw));
    expect(verdict).toMatchObject({ kind: 'refuse', refusal: { code: 'SIGNER_NOT_MAINTAINER' } });
  });

  it('refuses a post in the clear', async () => {
    const raw = plaintextPost(aPost(maintainer, listKey.toPublic()));
    const verdict = await stage([{ maintainerId: 'm-1', keyArmored: maintainerArmored }]).run(aStoredPost(raw));
    expect(verdict).toMatchObject({ kind: 'refuse', refusal: { code: 'NOT_ENCRYPTED' } });
  });

  it('passes over a maintainer key that no longer parses: it signs nothing, the others still do', async () => {
    const raw = await thunderbirdPost(aPost(maintainer, listKey.toPublic()));
    const keys = [
      { maintainerId: 'm-0', keyArmored: 'not a key' },
      { maintainerId: 'm-1', keyArmored: maintainerArmored },
    ];
    const verdict = await stage(keys).run(aStoredPost(raw));
    expect(verdict).toMatchObject({ kind: 'continue', state: { opened: { maintainerId: 'm-1' } } });
  });

  it('refuses what it cannot read at all as UNREADABLE, quoting nothing', async () => {
    const broken = new OpenStage(
      aDataSource(),
      { secretKey: async () => Promise.reject(new Error('secret bytes')) } as unknown as ListKey,
      { list: async () => [] } as unknown as PostingMaintainerKeys,
      testSettings({ DATA_DIR: '/nonexistent' }),
    );
    const verdict = await broken.run(aStoredPost(Buffer.from('Subject: x\r\n\r\nsecret bytes\r\n')));
    expect(verdict).toMatchObject({ kind: 'refuse', refusal: { code: 'UNREADABLE' } });
    expect(JSON.stringify(verdict)).not.toContain('secret bytes');
  });
});
