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

  it("asks with the post's embargo, so that an ended one's post is held for nobody (the rule's EMBARGO_ENDED)", async () => {
    const embargoes: unknown[] = [];
    const selector = {
      select: async (_manager: unknown, _now: Date, embargo: unknown) => (
        embargoes.push(embargo),
        { recipients: [], held: [], skipped: [] }
      ),
    } as unknown as RecipientSelector;
    const ended = { id: 'e-1', ended: true };
    await new SelectRecipientsStage(aDataSource(), selector).run({ ...aLinkedPost(), embargo: ended });
    await new SelectRecipientsStage(aDataSource(), selector).run({ ...aLinkedPost(), embargo: null });
    expect(embargoes).toEqual([ended, null]);
  });
});
