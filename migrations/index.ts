import { InitialSchema1763900000000 } from './1763900000000-initial-schema';
import { InboundMessage1764000000000 } from './1764000000000-inbound-message';
import { Posts1764000001000 } from './1764000001000-posts';
import { KeyExpiryWarning1764000002000 } from './1764000002000-key-expiry-warning';
import { InboundRetention1764000003000 } from './1764000003000-inbound-retention';
import { Embargo1764100000000 } from './1764100000000-embargo';
import { PostEmbargo1764200000000 } from './1764200000000-post-embargo';
import { SelfService1764201000000 } from './1764201000000-self-service';
import { LeakReports1764202000000 } from './1764202000000-leak-reports';
import { MemberMail1764203000000 } from './1764203000000-member-mail';
import { KeyHealth1764301000000 } from './1764301000000-key-health';
import { Reattestation1764302000000 } from './1764302000000-reattestation';
import { AuditCheckpoints1764310000000 } from './1764310000000-audit-checkpoints';
import { LoginThrottle1764320000000 } from './1764320000000-login-throttle';
import { MaintainerRemoved1764330000000 } from './1764330000000-maintainer-removed';
import { MaintainerRecoveryCodes1764355000000 } from './1764355000000-maintainer-recovery-codes';
import { Invitations1764340000000 } from './1764340000000-invitations';
import { MaintainerKeyProposals1764350000000 } from './1764350000000-maintainer-key-proposals';
import { MaintainerDigest1764360000000 } from './1764360000000-maintainer-digest';
import { MemberEmailChange1764370000000 } from './1764370000000-member-email-change';
import { VulnerabilityReports1764380000000 } from './1764380000000-vulnerability-reports';
import { ReportAddress1764385000000 } from './1764385000000-report-address';
import { EmbargoEdits1764420000000 } from './1764420000000-embargo-edits';
import { EmbargoAudience1764400000000 } from './1764400000000-embargo-audience';
import { Drills1764460000000 } from './1764460000000-drills';
import { PostCatchUp1764430000000 } from './1764430000000-post-catch-up';
import { EmbargoMemberStatus1764440000000 } from './1764440000000-embargo-member-status';
import { ServiceProcess1764500000000 } from './1764500000000-service-process';
import { WakeNotifications1764510000000 } from './1764510000000-wake-notifications';

/** Every migration, oldest first. Applied on start and by `cordon init`. */
export const migrations = [
  InitialSchema1763900000000,
  InboundMessage1764000000000,
  Posts1764000001000,
  KeyExpiryWarning1764000002000,
  InboundRetention1764000003000,
  Embargo1764100000000,
  PostEmbargo1764200000000,
  SelfService1764201000000,
  LeakReports1764202000000,
  MemberMail1764203000000,
  KeyHealth1764301000000,
  Reattestation1764302000000,
  AuditCheckpoints1764310000000,
  LoginThrottle1764320000000,
  MaintainerRemoved1764330000000,
  Invitations1764340000000,
  MaintainerKeyProposals1764350000000,
  MaintainerRecoveryCodes1764355000000,
  MaintainerDigest1764360000000,
  MemberEmailChange1764370000000,
  VulnerabilityReports1764380000000,
  ReportAddress1764385000000,
  EmbargoEdits1764420000000,
  EmbargoAudience1764400000000,
  Drills1764460000000,
  PostCatchUp1764430000000,
  EmbargoMemberStatus1764440000000,
  ServiceProcess1764500000000,
  WakeNotifications1764510000000,
];
