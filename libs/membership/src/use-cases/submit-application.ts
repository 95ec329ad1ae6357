import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { inspectPublicKey, newToken, OneTimeLinks } from '@cordon/crypto';
import { Outbox } from '@cordon/delivery';
import { Policies } from '@cordon/embargo';
import { DomainError } from '@cordon/errors';
import { Bans } from '../bans/bans';
import { Application, Evidence } from '../entities/application.entity';
import { mailTexts } from '../mail-texts';

export interface ApplicationForm {
  organisation: string;
  distribution: string;
  website: string;
  contactName: string;
  contactEmail: string;
  /** The contact's OpenPGP public key, armored text or binary. */
  key: string | Uint8Array;
  evidence: Evidence;
  /** The policy version whose text the applicant was shown and accepted (criterion 6). */
  acceptedPolicyVersion: number;
  voucherEmail: string;
}

export interface SubmittedApplication {
  applicationId: string;
  /** The private status link's token: shown once, stored only as a hash. */
  statusToken: string;
}

/**
 * Apply (DESIGN.md "Apply"): check the key (readable, can encrypt, not expired or revoked, strong,
 * a user ID for the contact address), record the application, and mail the confirmation link
 * encrypted to that key, so that following it proves both mailbox and key.
 */
@Injectable()
export class SubmitApplication {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly links: OneTimeLinks,
    private readonly outbox: Outbox,
    private readonly policies: Policies,
    private readonly bans: Bans,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async execute(form: ApplicationForm): Promise<SubmittedApplication> {
    const { details } = await inspectPublicKey(form.key, { requireAddress: form.contactEmail });
    if (form.voucherEmail.trim().toLowerCase() === form.contactEmail.trim().toLowerCase()) {
      throw new DomainError(
        'INVALID_INPUT',
        'The voucher must be an existing member other than yourself.',
        'voucherEmail',
      );
    }
    return this.dataSource.transaction(async (manager) => {
      // A member removed for leaking cannot reapply (DESIGN.md "The embargo policy").
      await this.bans.refuseBanned(
        manager,
        { organisation: form.organisation, emails: [form.contactEmail], fingerprints: [details.fingerprint] },
        'applicant',
      );
      const policy = await this.policies.current(manager);
      if (form.acceptedPolicyVersion !== policy.version) {
        throw new DomainError(
          'INVALID_INPUT',
          'The Embargo Policy changed while you were filling in the form. Read the current version and accept it.',
          'acceptPolicy',
        );
      }
      const status = newToken();
      const now = new Date();
      const application = manager.create(Application, {
        id: randomUUID(),
        status: 'unconfirmed',
        organisation: form.organisation,
        distribution: form.distribution,
        website: form.website,
        contactName: form.contactName,
        contactEmail: form.contactEmail,
        keyArmored: details.armored,
        keyFingerprint: details.fingerprint,
        keyAlgorithm: details.algorithm,
        keyExpiresAt: details.expiresAt,
        evidence: form.evidence,
        policyVersion: policy.version,
        policySha256: policy.sha256,
        voucherEmail: form.voucherEmail,
        voucherMemberId: null,
        statusTokenHash: status.hash,
        infoRequest: null,
        infoReply: null,
        decisionReason: null,
        memberId: null,
        createdAt: now,
        updatedAt: now,
      });
      await manager.insert(Application, application);
      await this.audit.append(manager, {
        actor: `applicant:${application.id}`,
        action: 'application.submitted',
        subject: `application:${application.id}`,
        details: {
          organisation: form.organisation,
          keyFingerprint: details.fingerprint,
          policyVersion: policy.version,
        },
      });
      const hours = this.settings.CONFIRM_LINK_TTL_HOURS;
      const token = await this.links.issue(manager, 'confirm_application', application.id, hours);
      const base = this.settings.publicUrl;
      await this.outbox.send(manager, {
        purpose: 'application.confirm',
        to: form.contactEmail,
        recipientKey: details.armored,
        ...mailTexts.confirmApplication(
          this.settings.LIST_NAME,
          form.organisation,
          `${base}/apply/confirm/${token}`,
          `${base}/apply/status/${status.token}`,
          hours,
        ),
      });
      return { applicationId: application.id, statusToken: status.token };
    });
  }
}
