import { decrypt, PrivateKey, readMessage } from 'openpgp';
import { ListKey, openpgpConfig } from '@cordon/crypto';
import { EmbargoTags, EmbargoTerms } from '@cordon/embargo';
import { SealedPost } from '../fan-out';
import { anOpenpgpKey } from '../../../../test/support/keys';
import { aDataSource, aSelectedPost } from '../../../../test/support/post-states';
import { testSettings } from '../../../../test/support/settings';
import { SealStage } from './5-seal';

// Stage 5 on its own: the maintainer's signed entity, unchanged, inside the protected headers,
// signed by the list key and encrypted once to a session key (docs/architecture.md, "Fan-out").
describe('stage 5, seal', () => {
  let list: PrivateKey;
  beforeAll(async () => {
    list = (await anOpenpgpKey('distributors@example.org', 'Distributors')).privateKey;
  });

  const terms: EmbargoTerms = {
    id: '9b2f0c1e-3f4a-4b6c-8d7e-1a2b3c4d5e6f',
    number: 3,
    title: 'Overflow',
    publicAt: new Date('2027-01-10T13:00:00Z'),
    timeZone: 'Europe/Berlin',
    cveIds: ['CVE-2026-1234'],
  };
  const stage = () =>
    new SealStage(
      aDataSource([{ version: 2 }]),
      { secretKey: async () => list } as unknown as ListKey,
      { terms: async (_m: unknown, id: string) => (id === terms.id ? terms : null) } as unknown as EmbargoTags,
      testSettings({ DATA_DIR: '/nonexistent', LIST_NAME: 'Distributors' }),
    );
  const nobody = { recipients: [], held: [], skipped: [] };
  const opened = async (sealed: SealedPost) => {
    const { data, signatures } = await decrypt({
      message: await readMessage({ binaryMessage: sealed.bodyPackets }),
      sessionKeys: sealed.sessionKey,
      verificationKeys: list.toPublic(),
      expectSigned: true,
      format: 'binary',
      config: openpgpConfig,
    });
    await signatures[0].verified;
    return Buffer.from(data);
  };

  it('seals the signed entity with protected headers, signed by the list key, for the session key alone', async () => {
    const post = aSelectedPost(nobody);
    const verdict = await stage().run(post);
    expect(verdict.kind).toBe('continue');
    if (verdict.kind !== 'continue') return;
    const data = await opened(verdict.state.sealed);
    const text = data.toString('utf8');
    expect(text).toContain(`Subject: ${post.opened.subject}`);
    expect(text).toContain('List-Id: Distributors <distributors.example.org>');
    expect(data.includes(post.opened.content)).toBe(true);
    expect(text).not.toMatch(/Embargo-|EMBARGOED/);
    expect(verdict.state.selection).toBe(post.selection);
  });

  it("puts a running embargo's terms in the protected headers and a line before the maintainer's entity", async () => {
    const post = aSelectedPost(nobody, { id: terms.id, ended: false });
    const verdict = await stage().run(post);
    if (verdict.kind !== 'continue') throw new Error('refused');
    const data = await opened(verdict.state.sealed);
    const [head, body] = data.toString('utf8').split(/\r\n\r\n(.*)/s);
    expect(head).toContain('\r\nEmbargo-ID: EMB-3 9b2f0c1e-3f4a-4b6c-8d7e-1a2b3c4d5e6f\r\n');
    expect(head).toContain('\r\nEmbargo-Until: 2027-01-10T13:00:00Z\r\n');
    expect(head).toContain('\r\nEmbargo-Until-Local: 2027-01-10 14:00 Europe/Berlin (+01:00)\r\n');
    expect(head).toContain('\r\nEmbargo-CVE: CVE-2026-1234\r\n');
    expect(head).toContain('\r\nEmbargo-Policy-Version: 2');
    const line = body.indexOf('EMBARGOED until 2027-01-10 14:00 Europe/Berlin (13:00 UTC) — EMB-3, CVE-2026-1234;');
    expect(line).toBeGreaterThan(0);
    expect(data.indexOf(post.opened.content)).toBeGreaterThan(Buffer.byteLength(head + body.slice(0, line)));
  });

  it('adds no terms once the embargo has ended', async () => {
    const verdict = await stage().run(aSelectedPost(nobody, { id: terms.id, ended: true }));
    if (verdict.kind !== 'continue') throw new Error('refused');
    expect((await opened(verdict.state.sealed)).toString('utf8')).not.toMatch(/Embargo-|EMBARGOED/);
  });
});
