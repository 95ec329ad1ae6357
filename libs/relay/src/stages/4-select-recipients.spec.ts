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
      select: async (manager: unknown) => (asked.push(manager), selection),
    } as unknown as RecipientSelector;
    const post = aLinkedPost();
    const verdict = await new SelectRecipientsStage(aDataSource(), selector).run(post);
    expect(verdict).toEqual({ kind: 'continue', state: { ...post, selection } });
    expect(asked).toHaveLength(1);
  });
});
