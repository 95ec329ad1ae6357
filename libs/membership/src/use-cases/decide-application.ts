import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { inspectPublicKey } from '@cordon/crypto';
import { AuditCheckpoints, Outbox } from '@cordon/delivery';
import { DomainError } from '@cordon/errors';
import { Policies } from '@cordon/policy';
import { Bans } from '../bans/bans';
import { Application, ApplicationStatus } from '../entities/application.entity';
import { Member } from '../entities/member.entity';
import { FirstMembers } from '../queries/first-members';
import { mailTexts } from '../mail-texts';

/** `withoutVouch`: the reason a first member is approved without a vouch (see FirstMembers). */
export type Decision =
  | { kind: 'approve'; withoutVouch?: string }
  | { kind: 'reject'; reason: string }
  | { kind: 'request_info'; question: string };

const open: ApplicationStatus[] = ['unconfirmed', 'awaiting_vouch', 'vouch_declined', 'in_review', 'needs_info'];

/**
 * The maintainers' decision (docs/architecture.md, "Review"): approve, reject with a reason, or ask for more
 * information; the applicant is told, encrypted. Approval needs a vouch (criterion 7) and a key
 * that is still valid today, and makes a member whose acknowledgement is the policy version it
 * accepted when applying: if the policy has changed since, it must acknowledge the new one.
 * While the list has no active member, a confirmed application may be approved without a vouch,
 * with a reason (FirstMembers). An application made with a maintainer's invitation reaches review
 * without a vouch once confirmed (ConfirmApplication): the invitation stands in for it.
 */
@Injectable()
export class DecideApplication {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly outbox: Outbox,
    private readonly policies: Policies,
    private readonly bans: Bans,
    private readonly checkpoints: AuditCheckpoints,
    private readonly firstMembers: FirstMembers,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async execute(applicationId: string, decision: Decision, maintainerId: string): Promise<Application> {
    return this.dataSource.transaction(async (manager) => {
      const application = await manager.findOne(Application, {
        where: { id: applicationId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!application) throw new DomainError('NOT_FOUND', 'There is no such application.');
      if (!open.includes(application.status)) {
        throw new DomainError('WRONG_STATE', `This application is already ${application.status}.`);
      }
      const actor = `maintainer:${maintainerId}`;
      switch (decision.kind) {
        case 'approve':
          await this.approve(manager, application, actor, decision.withoutVouch?.trim());
          break;
        case 'reject':
          await this.reject(manager, application, decision.reason, actor);
          break;
        case 'request_info':
          await this.requestInfo(manager, application, decision.question, actor);
          break;
      }
      return application;
    });
  }

  private async approve(
    manager: EntityManager,
    application: Application,
    actor: string,
    withoutVouch: string | undefined,
  ): Promise<void> {
    if (application.status !== 'in_review') await this.mayApproveWithoutVouch(manager, application, withoutVouch);
    const reason = application.status === 'in_review' ? null : withoutVouch!;
    // The key was checked when the applicant applied; it may have expired or been replaced since.
    const { details } = await inspectPublicKey(application.keyArmored, { requireAddress: application.contactEmail });
    // A ban may have come in since the applicant applied (a member of the same organisation removed).
    await this.bans.refuseBanned(
      manager,
      {
        organisation: application.organisation,
        emails: [application.contactEmail],
        fingerprints: [details.fingerprint],
      },
      'maintainer',
    );
    const duplicate = await manager
      .createQueryBuilder(Member, 'm')
      .where('lower(m.email) = lower(:email)', { email: application.contactEmail })
      .andWhere(`m.status IN ('active', 'suspended')`)
      .getCount();
    if (duplicate) throw new DomainError('ALREADY_EXISTS', 'A member with this address already exists.');
    const now = new Date();
    const member = manager.create(Member, {
      id: randomUUID(),
      email: application.contactEmail,
      organisation: application.organisation,
      distribution: application.distribution,
      keyArmored: details.armored,
      keyFingerprint: details.fingerprint,
      keyAlgorithm: details.algorithm,
      keyExpiresAt: details.expiresAt,
      status: 'active',
      acknowledgedPolicyVersion: null,
      applicationId: application.id,
      statusReason: null,
      joinedAt: now,
      updatedAt: now,
    });
    await manager.insert(Member, member);
    const decided = { status: 'approved' as const, memberId: member.id, updatedAt: now, decisionReason: reason };
    Object.assign(application, decided);
    await manager.update(Application, application.id, decided);
    await this.audit.append(manager, {
      actor,
      action: 'application.approved',
      subject: `application:${application.id}`,
      details: {
        memberId: member.id,
        keyFingerprint: details.fingerprint,
        ...(reason === null ? {} : { withoutVouch: reason }),
        ...(application.invitationId ? { invitationId: application.invitationId } : {}),
      },
    });
    await this.audit.append(manager, {
      actor,
      action: 'member.created',
      subject: `member:${member.id}`,
      details: { organisation: member.organisation, keyFingerprint: member.keyFingerprint, from: 'application' },
    });
    const policy = await this.policies.current(manager);
    if (policy.version === application.policyVersion && policy.sha256 === application.policySha256) {
      await this.policies.acknowledge(manager, member.id, policy, 'application_form', `applicant:${application.id}`);
    }
    await this.outbox.send(manager, {
      purpose: 'application.approved',
      to: member.email,
      recipientKey: member.keyArmored,
      ...mailTexts.approved(this.settings.LIST_NAME, member.organisation),
    });
    // A member in: the maintainers get a checkpoint of the audit log that includes it (issue 10).
    await this.checkpoints.afterDecision(manager, 'application.approved');
  }

  /** Criterion 7 stands by a vouch, or, for the list's first members, by a maintainer's stated reason. */
  private async mayApproveWithoutVouch(manager: EntityManager, application: Application, reason?: string) {
    if (application.status === 'unconfirmed') {
      throw new DomainError('WRONG_STATE', 'The applicant has not confirmed the application yet.');
    }
    if (application.invitationId) {
      // Invited: no vouch is awaited; only the answer to the maintainers' question is.
      throw new DomainError('WRONG_STATE', 'The applicant has not answered your question yet.');
    }
    if (!(await this.firstMembers.admitted(manager))) {
      throw new DomainError('WRONG_STATE', 'Only a vouched application can be approved (criterion 7).');
    }
    if (!reason) {
      throw new DomainError(
        'INVALID_INPUT',
        'This list has no members yet, so nobody can vouch: give the reason you approve this applicant without a vouch.',
      );
    }
  }

  private async reject(manager: EntityManager, application: Application, reason: string, actor: string): Promise<void> {
    const now = new Date();
    Object.assign(application, { status: 'rejected', decisionReason: reason, updatedAt: now });
    await manager.update(Application, application.id, { status: 'rejected', decisionReason: reason, updatedAt: now });
    await this.audit.append(manager, {
      actor,
      action: 'application.rejected',
      subject: `application:${application.id}`,
    });
    await this.outbox.send(manager, {
      purpose: 'application.rejected',
      to: application.contactEmail,
      recipientKey: application.keyArmored,
      ...mailTexts.rejected(this.settings.LIST_NAME, application.organisation, reason),
    });
  }

  private async requestInfo(manager: EntityManager, application: Application, question: string, actor: string) {
    if (application.status === 'unconfirmed') {
      throw new DomainError('WRONG_STATE', 'The applicant has not confirmed the application yet.');
    }
    const now = new Date();
    Object.assign(application, { status: 'needs_info', infoRequest: question, infoReply: null, updatedAt: now });
    await manager.update(Application, application.id, {
      status: 'needs_info',
      infoRequest: question,
      infoReply: null,
      updatedAt: now,
    });
    await this.audit.append(manager, {
      actor,
      action: 'application.info_requested',
      subject: `application:${application.id}`,
    });
    await this.outbox.send(manager, {
      purpose: 'application.info_requested',
      to: application.contactEmail,
      recipientKey: application.keyArmored,
      ...mailTexts.infoRequested(this.settings.LIST_NAME, question),
    });
  }
}
