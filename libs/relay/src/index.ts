import { fanOutEntities } from './fan-out';
import { ingressEntities } from './ingress';

export * from './ingress';
export * from './fan-out';
export { openPost, OpenContext, OpenedPost, PostRefusal, RefusalCode } from './open';
export { PostStatusQueries, PostSummary, CopyStatus } from './status/post-status';
export { PostStatusModule } from './status/post-status.module';
export { InboundProcessor } from './pipeline/inbound-processor';
export { KeyExpiryWarnings } from './pipeline/key-expiry-warnings';
export { RelayPipelineModule } from './pipeline/relay-pipeline.module';

/** Every entity of the relay lib. */
export const relayEntities = [...ingressEntities, ...fanOutEntities];
