import { PolicyAcknowledgement } from './policy-acknowledgement.entity';
import { PolicyVersion } from './policy-version.entity';
import { Embargo } from './embargo.entity';

export { PolicyVersion, PolicyAcknowledgement, Embargo };
export { EmbargoStatus } from './embargo.entity';
export { Embargoes, EmbargoInput } from './embargoes';
export { ChangeEmbargo } from './change-embargo';
export { EmbargoNotices } from './embargo-notices';
export { EmbargoQueries, EmbargoView, embargoStatuses, embargoTag } from './embargo-queries';
export { RecipientSelector, RecipientSelection, Recipient, Skipped, SkipReason, canEncryptAt } from './recipients';
export { businessDaysBetween, formatPublicMoment, publicMoment, isTimeZone } from './embargo-clock';
export { AcknowledgementMethod } from './policy-acknowledgement.entity';
export { Policies, policyHash } from './policies';
export { EmbargoModule } from './embargo.module';
export { DEFAULT_POLICY } from './default-policy';
export { scoreCvss, severityOf, CvssScore, CvssSeverity, CvssVersion } from './cvss';
export const embargoEntities = [PolicyVersion, PolicyAcknowledgement, Embargo];
