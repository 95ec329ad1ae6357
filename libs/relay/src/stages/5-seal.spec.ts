import { decrypt, PrivateKey, readMessage } from 'openpgp';
import { ListKey, openpgpConfig } from '@cordon/crypto';
import { anOpenpgpKey } from '../../../../test/support/keys';
import { aSelectedPost } from '../../../../test/support/post-states';
import { testSettings } from '../../../../test/support/settings';
import { SealStage } from './5-seal';

// Stage 5 on its own: the maintainer's signed entity, unchanged, inside the protected headers,
// signed by the list key and encrypted once to a session key (docs/architecture.md, "Fan-out").
describe('stage 5, seal', () => {
  let list: PrivateKey;
  beforeAll(async () => {
    list = (await anOpenpgpKey('distributors@example.org', 'Distributors')).privateKey;
  });

  it('seals the signed entity with protected headers, signed by the list key, for the session key alone', async () => {
    const stage = new SealStage(
      { secretKey: async () => list } as unknown as ListKey,
      testSettings({ DATA_DIR: '/nonexistent', LIST_NAME: 'Distributors' }),
    );
    const post = aSelectedPost({ recipients: [], held: [], skipped: [] });
    const verdict = await stage.run(post);
    expect(verdict.kind).toBe('continue');
    if (verdict.kind !== 'continue') return;
    const { sealed } = verdict.state;
    const { data, signatures } = await decrypt({
      message: await readMessage({ binaryMessage: sealed.bodyPackets }),
      sessionKeys: sealed.sessionKey,
      verificationKeys: list.toPublic(),
      expectSigned: true,
      format: 'binary',
      config: openpgpConfig,
    });
    await signatures[0].verified;
    const text = Buffer.from(data).toString('utf8');
    expect(text).toContain(`Subject: ${post.opened.subject}`);
    expect(text).toContain('List-Id: Distributors <distributors.example.org>');
    expect(Buffer.from(data).includes(post.opened.content)).toBe(true);
    expect(verdict.state.selection).toBe(post.selection);
  });
});
