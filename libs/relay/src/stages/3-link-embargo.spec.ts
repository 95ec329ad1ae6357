import { EmbargoTags, TaggedEmbargo } from '@cordon/embargo';
import { aDataSource, anAuthorisedPost } from '../../../../test/support/post-states';
import { LinkEmbargoStage } from './3-link-embargo';

// Stage 3 on its own: `[EMB-n]` in the subject links the post to embargo n (issue 5).
describe('stage 3, link to embargo', () => {
  const embargoes = (known: TaggedEmbargo[]) =>
    ({ named: async (_m: unknown, n: number) => known.find((e) => e.number === n) ?? null }) as unknown as EmbargoTags;
  const stage = (known: TaggedEmbargo[]) => new LinkEmbargoStage(aDataSource(), embargoes(known));
  const emb7: TaggedEmbargo = { id: 'e-7', number: 7, status: 'active', ended: false };

  it('links no embargo when the subject names none', async () => {
    const verdict = await stage([emb7]).run(anAuthorisedPost({ subject: 'Overflow in libfoo' }));
    expect(verdict).toMatchObject({ kind: 'continue', state: { embargo: null } });
  });

  it('links the embargo the tag names, and says whether it has ended', async () => {
    const running = await stage([emb7]).run(anAuthorisedPost({ subject: '[EMB-7] Overflow' }));
    expect(running).toMatchObject({ kind: 'continue', state: { embargo: { id: 'e-7', ended: false } } });
    const lifted = { ...emb7, status: 'lifted' as const, ended: true };
    const after = await stage([lifted]).run(anAuthorisedPost({ subject: 'Re: [EMB-7] Overflow' }));
    expect(after).toMatchObject({ kind: 'continue', state: { embargo: { id: 'e-7', ended: true } } });
  });

  it('refuses a tag that names no embargo as UNKNOWN_EMBARGO, telling how to resend', async () => {
    const verdict = await stage([emb7]).run(anAuthorisedPost({ subject: '[EMB-8] Overflow' }));
    expect(verdict).toMatchObject({ kind: 'refuse', refusal: { code: 'UNKNOWN_EMBARGO' } });
    if (verdict.kind === 'refuse') expect(verdict.refusal.message).toMatch(/EMB-8, which does not exist/);
  });
});
