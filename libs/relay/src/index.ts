import { fanOutEntities } from './fan-out';
import { ingressEntities } from './ingress';

export * from './ingress';
export * from './fan-out';
export { openPost, OpenContext, OpenedPost, PostRefusal, RefusalCode } from './open';
export { PostStatusQueries, PostSummary, CopyStatus, EmbargoRecipient } from './status/post-status';
export { LinkPostToEmbargo } from './status/link-post-to-embargo';
export { PostStatusModule } from './status/post-status.module';
export { InboundProcessor } from './pipeline/inbound-processor';
export { KeyExpiryWarnings, KEY_WARNING_DAYS } from './timed-jobs/key-expiry-warnings';
export { CatchUp, catchUpLine, CATCH_UP_HEADER, CATCH_UP_PREFIX } from './catch-up';
export { RelayPipelineModule } from './pipeline/relay-pipeline.module';
export { MemberAnswersModule } from './member-answers/member-answers.module';
export { MemberAnswerQueries, MemberAnswerSummary, MemberAnswerView } from './member-answers/member-answer-queries';
export { ReleaseMemberAnswer } from './member-answers/release-member-answer';
export * from './maintainer-digest';
export * from './drill';
export { AckStatements, AckStatementHandler } from './member-mail/ack-statements';

/** Every entity of the relay lib. */
export const relayEntities = [...ingressEntities, ...fanOutEntities];
export { RelayReadings } from './status/relay-readings';
export { RelayAnswersModule } from './status/relay-answers.module';
export { answerHeldCopies } from './status/held-copies-answer';
