/**
 * The stages of a post, in order (docs/architecture.md, "The relay as stages"). Storing comes
 * first and is the ingress's (InboundStore: stored before the client hears 250, invariant 4); the
 * pipeline starts from that Stored message. PostPipeline composes these six in this order.
 */
import { OpenStage } from './1-open';
import { AuthoriseStage } from './2-authorise';
import { LinkEmbargoStage } from './3-link-embargo';
import { SelectRecipientsStage } from './4-select-recipients';
import { SealStage } from './5-seal';
import { EnqueueStage } from './6-enqueue';

export { OpenStage, AuthoriseStage, LinkEmbargoStage, SelectRecipientsStage, SealStage, EnqueueStage };
export { copiesOf } from './6-enqueue';
export * from './post-state';
export * from './post-stage';

/** The stages as providers, in the order a post goes through them. */
export const postStages = [OpenStage, AuthoriseStage, LinkEmbargoStage, SelectRecipientsStage, SealStage, EnqueueStage];
