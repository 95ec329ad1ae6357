import { DataSource } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { EmbargoPolicyFollowUps, HeldCopies, HeldMail, RecipientSelector } from '@cordon/embargo';
import { AcknowledgedPolicyVersion } from '@cordon/membership';
import { AcknowledgementFollowUps, Policies, PolicyReaders } from '@cordon/policy';
import { answerHeldCopies } from '@cordon/relay';

/**
 * Policies wired as the Nest modules wire them, for a test that builds the libs by hand: an
 * acknowledgement is recorded on the member (membership) and releases the mail held for it
 * (embargo), as AcknowledgementFollowUps arranges (docs/architecture.md, Layout).
 */
export function wiredPolicies(dataSource: DataSource, audit: AuditLog): Policies {
  const followUps = new AcknowledgementFollowUps();
  const policies = new Policies(dataSource, audit, followUps);
  new AcknowledgedPolicyVersion(followUps);
  new EmbargoPolicyFollowUps(followUps, new PolicyReaders(), wiredHeldMail(audit), new RecipientSelector(policies));
  return policies;
}

/** HeldMail with the held copies answered by the relay, as RelayAnswers wires them. */
export function wiredHeldMail(audit: AuditLog): HeldMail {
  return new HeldMail(audit, answerHeldCopies(new HeldCopies()));
}
