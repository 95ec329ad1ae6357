import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { inspectPublicKey, KeyDetails } from '@cordon/crypto';
import { DomainError } from '@cordon/errors';
import { Policies } from '@cordon/policy';
import { Bans } from '../bans/bans';
import { Member } from '../entities/member.entity';

export interface MemberImport {
  email: string;
  organisation: string;
  distribution?: string;
  key: string | Uint8Array;
  /** The member accepted the current policy outside Cordon (recorded and audited as such). */
  acknowledged: boolean;
}

/**
 * Brings an existing member of a list being moved to Cordon over, active at once (`cordon member
 * import`). The key policy applies as for applicants. Without `acknowledged` the member must
 * acknowledge the policy before any list mail reaches it.
 */
@Injectable()
export class ImportMember {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly policies: Policies,
    private readonly bans: Bans,
  ) {}

  async execute(input: MemberImport, actor = 'cli'): Promise<Member> {
    const { details } = await inspectPublicKey(input.key, { requireAddress: input.email });
    return this.dataSource.transaction((manager) => this.within(manager, input, details, actor));
  }

  /**
   * The import inside the caller's transaction, for a key the key policy has already passed
   * (`cordon import` brings a whole list over in one transaction, all or nothing).
   */
  async within(
    manager: EntityManager,
    input: Omit<MemberImport, 'key'>,
    details: KeyDetails,
    actor: string,
  ): Promise<Member> {
    await this.bans.refuseBanned(
      manager,
      { organisation: input.organisation, emails: [input.email], fingerprints: [details.fingerprint] },
      'maintainer',
    );
    const existing = await manager
      .createQueryBuilder(Member, 'm')
      .where('lower(m.email) = lower(:email)', { email: input.email })
      .andWhere(`m.status IN ('active', 'suspended')`)
      .getCount();
    if (existing) throw new DomainError('ALREADY_EXISTS', `${input.email} is already a member.`);
    const now = new Date();
    const member = manager.create(Member, {
      id: randomUUID(),
      email: input.email,
      organisation: input.organisation,
      distribution: input.distribution ?? '',
      keyArmored: details.armored,
      keyFingerprint: details.fingerprint,
      keyAlgorithm: details.algorithm,
      keyExpiresAt: details.expiresAt,
      status: 'active',
      acknowledgedPolicyVersion: null,
      applicationId: null,
      statusReason: null,
      joinedAt: now,
      updatedAt: now,
    });
    await manager.insert(Member, member);
    await this.audit.append(manager, {
      actor,
      action: 'member.imported',
      subject: `member:${member.id}`,
      details: {
        organisation: member.organisation,
        keyFingerprint: member.keyFingerprint,
        acknowledged: input.acknowledged,
      },
    });
    if (input.acknowledged) {
      const policy = await this.policies.current(manager);
      await this.policies.acknowledge(manager, member.id, policy, 'imported', actor);
      member.acknowledgedPolicyVersion = policy.version;
    }
    return member;
  }
}
