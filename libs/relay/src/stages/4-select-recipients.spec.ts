import { RecipientSelection, RecipientSelector } from '@cordon/embargo';
import { aDataSource, aLinkedPost } from '../../../../test/support/post-states';
import { SelectRecipientsStage } from './4-select-recipients';

// Stage 4 on its own: it asks the one module that decides who may receive (invariant 2), and
// keeps its answer whole.
describe('stage 4, select recipients', () => {
  it("adds the selector's recipients, held and skipped members to the post, as given", async () => {
    const selection: RecipientSelection = {
      recipients: [{ memberId: 'a', email: 'a@example.org' } as RecipientSelection['recipients'][number]],
      held: [{ memberId: 'b', email: 'b@example.org' } as RecipientSelection['held'][number]],
      skipped: [
        { memberId: 'c', email: 'c@example.org', reason: 'key_expired' } as RecipientSelection['skipped'][number],
      ],
    };
    const asked: unknown[] = [];
    const selector = {
      select: async (manager: unknown, _now: Date, embargo: unknown) => (asked.push({ manager, embargo }), selection),
    } as unknown as RecipientSelector;
    const post = aLinkedPost();
    const verdict = await new SelectRecipientsStage(aDataSource(), selector).run(post);
    expect(verdict).toEqual({ kind: 'continue', state: { ...post, selection } });
    expect(asked).toHaveLength(1);
  });

  it("asks with the post's embargo as it is now: whether it ended (EMBARGO_ENDED) and its audience (NOT_IN_AUDIENCE)", async () => {
    const embargoes: unknown[] = [];
    const selector = {
      select: async (_manager: unknown, _now: Date, embargo: unknown) => (
        embargoes.push(embargo),
        { recipients: [], held: [], skipped: [] }
      ),
    } as unknown as RecipientSelector;
    const id = '0f4c1f0e-9b7e-4c39-9d0c-3b3f7c1d2e01';
    // The embargo's row as the database answers it (the same rows answer the query of its picks: none).
    const row = { id, status: 'lifted', audience_mode: 'products', products: ['openssl'] };
    await new SelectRecipientsStage(aDataSource([row]), selector).run({
      ...aLinkedPost(),
      embargo: { id, ended: true },
    });
    await new SelectRecipientsStage(aDataSource([row]), selector).run({ ...aLinkedPost(), embargo: null });
    const audience = { everyone: false, products: ['openssl'], include: [], exclude: [] };
    expect(embargoes).toEqual([{ ended: true, audience }, null]);
  });
});
