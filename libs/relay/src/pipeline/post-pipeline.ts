import { Injectable } from '@nestjs/common';
import {
  AuthoriseStage,
  EnqueueStage,
  Enqueued,
  LinkEmbargoStage,
  OpenStage,
  SealStage,
  SelectRecipientsStage,
  StageChain,
  Stored,
  Verdict,
} from '../stages';

/**
 * The whole flow of a post, in order (docs/architecture.md, "The relay as stages"): each stage
 * takes the state the one before it returned, which the compiler checks, and the first refusal
 * ends the run. Enqueue is the last stage: the post is accepted once it has run.
 */
@Injectable()
export class PostPipeline {
  private readonly chain: StageChain<Stored, Enqueued>;

  constructor(
    open: OpenStage,
    authorise: AuthoriseStage,
    linkEmbargo: LinkEmbargoStage,
    selectRecipients: SelectRecipientsStage,
    seal: SealStage,
    enqueue: EnqueueStage,
  ) {
    this.chain = StageChain.startingWith(open)
      .then(authorise)
      .then(linkEmbargo)
      .then(selectRecipients)
      .then(seal)
      .then(enqueue);
  }

  /** The stages' names, in order. */
  get stageNames(): readonly string[] {
    return this.chain.names;
  }

  run(post: Stored): Promise<Verdict<Enqueued>> {
    return this.chain.run(post);
  }
}
