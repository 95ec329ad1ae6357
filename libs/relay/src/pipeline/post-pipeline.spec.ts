import { AuthoriseStage, EnqueueStage, LinkEmbargoStage, OpenStage, SealStage, SelectRecipientsStage } from '../stages';
import { PostPipeline } from './post-pipeline';

// Reading the pipeline tells the whole flow, enqueue last (docs/architecture.md, "The relay as stages").
describe('the post pipeline', () => {
  it('runs open, authorise, link to embargo, select recipients, seal and enqueue, in that order', () => {
    const none = undefined as never;
    const pipeline = new PostPipeline(
      new OpenStage(none, none, none, none),
      new AuthoriseStage(none),
      new LinkEmbargoStage(none, none, none),
      new SelectRecipientsStage(none, none),
      new SealStage(none, none, none, none),
      new EnqueueStage(none, none, none, none, none, none, none, none),
    );
    expect(pipeline.stageNames).toEqual([
      'open',
      'authorise',
      'link to embargo',
      'select recipients',
      'seal',
      'enqueue',
    ]);
  });
});
