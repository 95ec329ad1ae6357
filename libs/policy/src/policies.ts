import { createHash, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Actor, AuditLog } from '@cordon/audit';
import { DomainError } from '@cordon/errors';
import { DEFAULT_POLICY } from './default-policy';
import { AcknowledgementFollowUps } from './acknowledgement-follow-ups';
import { AcknowledgementMethod, PolicyAcknowledgement } from './policy-acknowledgement.entity';
import { PolicyVersion } from './policy-version.entity';

export function policyHash(body: string): string {
  return createHash('sha256').update(body, 'utf8').digest('hex');
}

/**
 * The statement a member signs and mails to the list's `-ack` address to acknowledge a version
 * (the relay accepts one that names the list and the version, by number or hash).
 */
export function acknowledgementStatement(policy: Pick<PolicyVersion, 'version' | 'sha256'>, listAddress: string) {
  return `I acknowledge version ${policy.version} of the Embargo Policy of ${listAddress} (SHA-256 ${policy.sha256}).`;
}

/** The versioned Embargo Policy and the acknowledgements of it. */
@Injectable()
export class Policies {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly followUps: AcknowledgementFollowUps,
  ) {}

  async current(manager: EntityManager = this.dataSource.manager): Promise<PolicyVersion> {
    const [latest] = await manager.find(PolicyVersion, { order: { version: 'DESC' }, take: 1 });
    if (!latest)
      throw new DomainError('WRONG_STATE', 'No Embargo Policy has been published: run `npm run cli -- init`.');
    return latest;
  }

  /** Publishes version 1 if there is none; returns whether it did. */
  async ensurePublished(manager: EntityManager, actor: Actor): Promise<boolean> {
    if (await manager.count(PolicyVersion)) return false;
    await this.publish(manager, DEFAULT_POLICY, actor);
    return true;
  }

  async publish(manager: EntityManager, body: string, actor: Actor): Promise<PolicyVersion> {
    const [latest] = await manager.find(PolicyVersion, {
      order: { version: 'DESC' },
      take: 1,
      lock: { mode: 'pessimistic_write' },
    });
    const version = manager.create(PolicyVersion, {
      version: (latest?.version ?? 0) + 1,
      body,
      sha256: policyHash(body),
      publishedAt: new Date(),
      publishedBy: actor,
    });
    await manager.insert(PolicyVersion, version);
    await this.audit.append(manager, {
      actor,
      action: 'policy.published',
      subject: `policy:${version.version}`,
      details: { version: version.version, sha256: version.sha256 },
    });
    return version;
  }

  /**
   * Records that a member agreed to a given version, then runs what the libs above registered for
   * it (AcknowledgementFollowUps): the member's record of the version, and, when that is the current
   * one, the release of the list mail held for it. Returns how many held copies were released.
   */
  async acknowledge(
    manager: EntityManager,
    memberId: string,
    policy: PolicyVersion,
    how: AcknowledgementMethod,
    actor: Actor,
  ): Promise<number> {
    await manager.insert(PolicyAcknowledgement, {
      id: randomUUID(),
      memberId,
      policyVersion: policy.version,
      policySha256: policy.sha256,
      how,
      at: new Date(),
    });
    await this.audit.append(manager, {
      actor,
      action: 'policy.acknowledged',
      subject: `member:${memberId}`,
      details: { version: policy.version, sha256: policy.sha256, how },
    });
    const current = (await this.current(manager)).version === policy.version;
    return this.followUps.run(manager, { memberId, policy, current });
  }
}
