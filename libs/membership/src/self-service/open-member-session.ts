import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { OneTimeLinks } from '@cordon/crypto';
import { DomainError } from '@cordon/errors';

/**
 * Following the sign-in link (by POST, after a page with a button: mail scanners that prefetch
 * links must not use it up). The link works once; the member must still be active or suspended.
 */
@Injectable()
export class OpenMemberSession {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly links: OneTimeLinks,
  ) {}

  async execute(token: string): Promise<{ memberId: string }> {
    return this.dataSource.transaction(async (manager) => {
      const memberId = await this.links.consume(manager, 'member_session', token);
      const [member] = (await manager.query(`SELECT status FROM member WHERE id = $1`, [memberId])) as {
        status: string;
      }[];
      if (member?.status !== 'active' && member?.status !== 'suspended') {
        throw new DomainError(
          'LINK_INVALID',
          'This link is not valid: it may have been used already or have expired. Ask for a new one.',
        );
      }
      await this.audit.append(manager, {
        actor: `member:${memberId}`,
        action: 'member.signed_in',
        subject: `member:${memberId}`,
        details: { status: member.status },
      });
      return { memberId };
    });
  }

  /** Signing out is recorded too (docs/architecture.md, invariant 5 lists logins). */
  async close(memberId: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await this.audit.append(manager, {
        actor: `member:${memberId}`,
        action: 'member.signed_out',
        subject: `member:${memberId}`,
      });
    });
  }
}
