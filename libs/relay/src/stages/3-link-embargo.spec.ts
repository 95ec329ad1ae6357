import { EmbargoTags, TaggedEmbargo } from '@cordon/embargo';
import { aDataSource, anAuthorisedPost } from '../../../../test/support/post-states';
import { testSettings } from '../../../../test/support/settings';
import { LinkEmbargoStage } from './3-link-embargo';

// Stage 3 on its own: `[EMB-n]` in the subject links the post to embargo n (issue 5).
describe('stage 3, link to embargo', () => {
  const embargoes = (known: TaggedEmbargo[]) =>
    ({
      named: async (_m: unknown, n: number) => known.find((e) => e.number === n) ?? null,
      active: async () =>
        known.filter((e) => !e.ended).map((e) => ({ number: e.number, title: `Title of EMB-${e.number}` })),
    }) as unknown as EmbargoTags;
  const stage = (known: TaggedEmbargo[], untagged: 'refuse' | 'relay' = 'relay') =>
    new LinkEmbargoStage(
      aDataSource(),
      embargoes(known),
      testSettings({ DATA_DIR: '/nonexistent', UNTAGGED_POSTS: untagged }),
    );
  const emb7: TaggedEmbargo = { id: 'e-7', number: 7, status: 'active', ended: false };

  it('refuses an untagged post by default as UNTAGGED_POST, naming the active embargoes', async () => {
    const lifted: TaggedEmbargo = { id: 'e-2', number: 2, status: 'lifted', ended: true };
    const verdict = await stage([lifted, emb7], 'refuse').run(anAuthorisedPost({ subject: 'Overflow in libfoo' }));
    expect(verdict).toMatchObject({ kind: 'refuse', refusal: { code: 'UNTAGGED_POST' } });
    if (verdict.kind !== 'refuse') return;
    expect(verdict.refusal.message).toMatch(/names no embargo/);
    expect(verdict.refusal.message).toContain('[EMB-7] Title of EMB-7');
    expect(verdict.refusal.message).not.toContain('EMB-2');
    const none = await stage([], 'refuse').run(anAuthorisedPost({ subject: 'Overflow in libfoo' }));
    if (none.kind === 'refuse') expect(none.refusal.message).toMatch(/No embargo is active/);
    else throw new Error('relayed');
  });

  it('links no embargo when the subject names none and UNTAGGED_POSTS=relay', async () => {
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
