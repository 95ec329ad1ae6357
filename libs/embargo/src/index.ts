import { PolicyAcknowledgement } from './policy-acknowledgement.entity';
import { PolicyVersion } from './policy-version.entity';

export { PolicyVersion, PolicyAcknowledgement };
export { AcknowledgementMethod } from './policy-acknowledgement.entity';
export { Policies, policyHash } from './policies';
export { EmbargoModule } from './embargo.module';
export { DEFAULT_POLICY } from './default-policy';
export { scoreCvss, severityOf, CvssScore, CvssSeverity, CvssVersion } from './cvss';
export const embargoEntities = [PolicyVersion, PolicyAcknowledgement];
