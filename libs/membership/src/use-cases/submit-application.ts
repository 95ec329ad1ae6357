import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { inspectPublicKey, newToken, OneTimeLinks } from '@cordon/crypto';
import { Outbox, QueuedMail } from '@cordon/delivery';
import { DomainError } from '@cordon/errors';
import { Policies } from '@cordon/policy';
import { Bans, normalisedBanValue } from '../bans/bans';
import { Application, Evidence } from '../entities/application.entity';
import { InvitationLinks } from '../invitations/invitation-links';
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
  /** Empty with an invitation, which stands in for the vouch (criterion 7). */
  voucherEmail: string;
  /** The one-time link token of a maintainer's invitation (README "Inviting a distributor"). */
  invitationToken?: string;
}

/** An application still being decided: a second one from its organisation or contact waits for it. */
const OPEN_STATUSES = ['awaiting_vouch', 'vouch_declined', 'in_review', 'needs_info'] as const;
/** A stranger can trigger the status-link reminder; its contact gets at most one an hour. */
const REMINDER_INTERVAL_HOURS = 1;

export interface SubmittedApplication {
  applicationId: string;
  /** The private status link's token: shown once, stored only as a hash. */
  statusToken: string;
}

/**
 * Apply (docs/architecture.md, "Apply"): check the key (readable, can encrypt, not expired or revoked, strong,
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
    private readonly invitations: InvitationLinks,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async execute(form: ApplicationForm): Promise<SubmittedApplication> {
    const submitted = await this.submit(form);
    if ('applicationId' in submitted) return submitted;
    throw new DomainError(
      'ALREADY_EXISTS',
      'An application from this organisation or contact address is already open: one at a time is taken. ' +
        'Its status page shows where it stands; the private link to it has been mailed again, encrypted, ' +
        "to the open application's contact address.",
      'organisation',
    );
  }

  private async submit(form: ApplicationForm): Promise<SubmittedApplication | { alreadyOpen: true }> {
    const { details } = await inspectPublicKey(form.key, { requireAddress: form.contactEmail });
    if (!form.invitationToken && !form.voucherEmail.trim()) {
      throw new DomainError('INVALID_INPUT', 'Name an existing member who vouches for you.', 'voucherEmail');
    }
    if (!form.invitationToken && form.voucherEmail.trim().toLowerCase() === form.contactEmail.trim().toLowerCase()) {
      throw new DomainError(
        'INVALID_INPUT',
        'The voucher must be an existing member other than yourself.',
        'voucherEmail',
      );
    }
    return this.dataSource.transaction(async (manager) => {
      // Read, not used up yet: a refusal below must leave the link working (the transaction rolls back
      // a use anyway, but the already-open answer commits).
      const invitation = form.invitationToken ? await this.invitations.open(manager, form.invitationToken) : null;
      if (invitation) this.invitations.refuseOtherAddress(invitation, form.contactEmail);
      // A member removed for leaking cannot reapply (docs/architecture.md, "The embargo policy").
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
      const open = await this.openApplication(manager, form);
      if (open) {
        // Committed, not rolled back with the refusal: the contact of the open one is pointed to it.
        await this.remindOfStatus(manager, open);
        return { alreadyOpen: true as const };
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
        voucherEmail: invitation ? '' : form.voucherEmail,
        invitationId: invitation?.id ?? null,
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
          ...(invitation ? { invitationId: invitation.id } : {}),
        },
      });
      if (invitation) await this.invitations.redeem(manager, form.invitationToken!, application.id);
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

  /**
   * The open application this one would duplicate (issue 11): the same organisation (compared as
   * bans compare it) once confirmed, or the same contact address, confirmed or not while its
   * confirmation link lives. An unconfirmed one proves nobody's mailbox, so it never stands in the
   * way of another contact of its organisation; and one whose link expired stands in no one's way.
   */
  private async openApplication(manager: EntityManager, form: ApplicationForm): Promise<Application | null> {
    const organisation = normalisedBanValue('organisation', form.organisation);
    const confirmSince = new Date(Date.now() - this.settings.CONFIRM_LINK_TTL_HOURS * 3600_000);
    const candidates = await manager
      .createQueryBuilder(Application, 'a')
      .where('a.status IN (:...open)', { open: OPEN_STATUSES })
      .orWhere("a.status = 'unconfirmed' AND lower(a.contactEmail) = lower(:email) AND a.createdAt > :since", {
        email: form.contactEmail.trim(),
        since: confirmSince,
      })
      .orderBy('a.createdAt', 'ASC')
      .getMany();
    const sameContact = (a: Application) =>
      a.contactEmail.trim().toLowerCase() === form.contactEmail.trim().toLowerCase();
    return (
      candidates.find(
        (a) =>
          sameContact(a) ||
          (a.status !== 'unconfirmed' && normalisedBanValue('organisation', a.organisation) === organisation),
      ) ?? null
    );
  }

  /**
   * Mails the open application's contact a fresh link to its status page, encrypted to its key:
   * the old link is stored only as a hash, so it cannot be sent again, and is replaced. At most
   * once an hour, since anyone can ask for it by applying with the same organisation.
   */
  private async remindOfStatus(manager: EntityManager, open: Application): Promise<void> {
    const queued = new QueuedMail();
    if (await queued.queuedWithin(manager, 'application.status_reminder', open.contactEmail, REMINDER_INTERVAL_HOURS)) {
      return;
    }
    if (!(await canEncryptTo(open.keyArmored))) return; // an expired key: the refusal stands, unexplained to it
    const status = newToken();
    await manager.update(Application, { id: open.id }, { statusTokenHash: status.hash, updatedAt: new Date() });
    await this.audit.append(manager, {
      actor: 'anonymous',
      action: 'application.status_link_resent',
      subject: `application:${open.id}`,
      details: { reason: 'second_application_refused' },
    });
    await this.outbox.send(manager, {
      purpose: 'application.status_reminder',
      to: open.contactEmail,
      recipientKey: open.keyArmored,
      ...mailTexts.statusReminder(
        this.settings.LIST_NAME,
        open.organisation,
        `${this.settings.publicUrl}/apply/status/${status.token}`,
      ),
    });
  }
}

async function canEncryptTo(keyArmored: string): Promise<boolean> {
  try {
    await inspectPublicKey(keyArmored);
    return true;
  } catch {
    return false;
  }
}
