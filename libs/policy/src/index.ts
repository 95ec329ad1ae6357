import { PolicyAcknowledgement } from './policy-acknowledgement.entity';
import { PolicyVersion } from './policy-version.entity';

export { PolicyVersion, PolicyAcknowledgement };
export { AcknowledgementMethod } from './policy-acknowledgement.entity';
export { Policies, policyHash, acknowledgementStatement } from './policies';
export { PublishPolicy, normalisePolicyText, POLICY_MAX } from './publish-policy';
export { PolicyHistory, PolicyVersionSummary } from './policy-history';
export { AcknowledgementFollowUps, AcknowledgementFollowUp, Acknowledgement } from './acknowledgement-follow-ups';
export { PolicyReaders, PolicyReader } from './policy-readers';
export { PolicyModule } from './policy.module';
export { DEFAULT_POLICY } from './default-policy';
export const policyEntities = [PolicyVersion, PolicyAcknowledgement];
export { AcknowledgementRecords, AcknowledgementRecord } from './acknowledgement-records';
export { PublisherNames } from './publisher-names';
export { CurrentPolicyVersion } from './current-policy-version';
