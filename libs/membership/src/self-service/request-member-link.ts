import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { LinksIssued, OneTimeLinks } from '@cordon/crypto';
import { Outbox } from '@cordon/delivery';
import { DomainError } from '@cordon/errors';
import { selfServiceMail } from './self-service-mail';

/**
 * Links a member may be sent per hour. Anyone can type a member's address, and each request mails
 * the member, so the list must not become a way to flood a member's mailbox.
 */
export const MEMBER_LINKS_PER_HOUR = 5;

/**
 * Member self-service without passwords (docs/architecture.md, "holding the key is the login"): a sign-in
 * link, mailed encrypted to the member's key. Whoever asks learns nothing: a non-member, a removed
 * or banned member, a member over the hourly limit and a member whose key cannot be written to all
 * get the same silence as a successful request (the caller answers the same in every case).
 */
@Injectable()
export class RequestMemberLink {
  private readonly logger = new Logger('member-link');

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly links: OneTimeLinks,
    private readonly outbox: Outbox,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async execute(email: string): Promise<void> {
    try {
      await this.dataSource.transaction(async (manager) => {
        const [member] = (await manager.query(
          `SELECT id, email, organisation, key_armored FROM member
           WHERE lower(email) = lower($1) AND status IN ('active', 'suspended')
           ORDER BY joined_at DESC LIMIT 1 FOR UPDATE`,
          [email],
        )) as { id: string; email: string; organisation: string; key_armored: string }[];
        if (!member) return;
        const issued = await new LinksIssued().countWithin(manager, 'member_session', member.id, 1);
        if (issued >= MEMBER_LINKS_PER_HOUR) return;
        const minutes = this.settings.MEMBER_LINK_TTL_MINUTES;
        const token = await this.links.issue(manager, 'member_session', member.id, minutes / 60);
        await this.outbox.send(manager, {
          purpose: 'member.sign_in_link',
          to: member.email,
          recipientKey: member.key_armored,
          ...selfServiceMail.signInLink(
            this.settings.LIST_NAME,
            member.organisation,
            `${this.settings.publicUrl}/member/sign-in/${token}`,
            minutes,
          ),
        });
        await this.audit.append(manager, {
          actor: 'anonymous',
          action: 'member.sign_in_link_sent',
          subject: `member:${member.id}`,
          details: { expiresInMinutes: minutes },
        });
      });
    } catch (error) {
      // A key that can no longer be encrypted to: nothing was queued, and the visitor is not told.
      if (!(error instanceof DomainError && error.kind === 'invalid')) throw error;
      this.logger.warn(`no sign-in link sent: the member's key cannot be encrypted to (${error.code})`);
    }
  }
}
