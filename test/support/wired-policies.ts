import { DataSource } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { EmbargoPolicyFollowUps, HeldMail, RecipientSelector } from '@cordon/embargo';
import { AcknowledgedPolicyVersion } from '@cordon/membership';
import { AcknowledgementFollowUps, Policies, PolicyReaders } from '@cordon/policy';

/**
 * Policies wired as the Nest modules wire them, for a test that builds the libs by hand: an
 * acknowledgement is recorded on the member (membership) and releases the mail held for it
 * (embargo), as AcknowledgementFollowUps arranges (docs/architecture.md, Layout).
 */
export function wiredPolicies(dataSource: DataSource, audit: AuditLog): Policies {
  const followUps = new AcknowledgementFollowUps();
  const policies = new Policies(dataSource, audit, followUps);
  new AcknowledgedPolicyVersion(followUps);
  new EmbargoPolicyFollowUps(followUps, new PolicyReaders(), new HeldMail(audit), new RecipientSelector(policies));
  return policies;
}
