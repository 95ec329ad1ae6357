import { aDataSource, anOpenedPost } from '../../../../test/support/post-states';
import { AuthoriseStage } from './2-authorise';

// Stage 2 on its own: the post is relayed for the maintainer whose signature opened it, and a
// signature already relayed is refused as a replay (docs/architecture.md, invariant 3).
describe('stage 2, authorise', () => {
  it('authorises a signature never relayed, for the maintainer who signed it', async () => {
    const post = anOpenedPost();
    const verdict = await new AuthoriseStage(aDataSource([])).run(post);
    expect(verdict).toEqual({ kind: 'continue', state: { ...post, maintainerId: post.opened.maintainerId } });
  });

  it('refuses a signature relayed before as REPLAYED', async () => {
    const verdict = await new AuthoriseStage(aDataSource([{ '?column?': 1 }])).run(anOpenedPost());
    expect(verdict).toEqual({
      kind: 'refuse',
      refusal: { code: 'REPLAYED', message: 'This signed post was relayed before; a signature is relayed only once.' },
    });
  });
});
