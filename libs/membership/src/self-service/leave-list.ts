import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { AuditCheckpoints, Outbox } from '@cordon/delivery';
import { DomainError } from '@cordon/errors';
import { Member } from '../entities/member.entity';
import { normalisedBanValue } from '../bans/bans';

export const LEFT_REASON = 'Left the list at its own request.';

/**
 * A member leaves the list itself (issue 11, "Members come and go"). It confirms by typing its
 * organisation's name, so that a stray click or a borrowed session cannot do it. From the moment
 * this commits the member is out like a removed one: no copy, held or pending, is sent to it (the
 * delivery worker checks every copy at claim time), and its sessions end. Unlike a removal it is no
 * mark against it: nothing is banned, and it may apply again. It is told (encrypted, as its last
 * list mail), the maintainers are told, and the audit log is anchored after it, as after a removal.
 */
@Injectable()
export class LeaveList {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly outbox: Outbox,
    private readonly checkpoints: AuditCheckpoints,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async execute(memberId: string, typedOrganisation: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const member = await manager.findOne(Member, { where: { id: memberId }, lock: { mode: 'pessimistic_write' } });
      if (!member || (member.status !== 'active' && member.status !== 'suspended')) {
        throw new DomainError('WRONG_STATE', 'This membership has already ended.');
      }
      if (
        normalisedBanValue('organisation', typedOrganisation) !==
        normalisedBanValue('organisation', member.organisation)
      ) {
        throw new DomainError(
          'INVALID_INPUT',
          `Type your organisation’s name, ${member.organisation}, to confirm that you are leaving.`,
          'organisation',
        );
      }
      const now = new Date();
      await manager.update(Member, member.id, { status: 'removed', statusReason: LEFT_REASON, updatedAt: now });
      await this.audit.append(manager, {
        actor: `member:${member.id}`,
        action: 'member.left',
        subject: `member:${member.id}`,
        details: { from: member.status, to: 'removed' },
      });
      const list = this.settings.LIST_NAME;
      try {
        await this.outbox.send(manager, {
          purpose: 'member.left',
          to: member.email,
          recipientKey: member.keyArmored,
          subject: `You have left ${list}`,
          text: [
            `${member.organisation} has left ${list}, at your request, on ${now.toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
            ``,
            `No more list mail will reach you, and your team members' acknowledgements no longer count.`,
            `The embargo policy still binds what you received while you were a member.`,
            ``,
            `To join again, apply at ${this.settings.publicUrl}/apply.`,
          ].join('\n'),
        });
      } catch (error) {
        // A key that can no longer take mail gets no goodbye; the leaving stands.
        if (!(error instanceof DomainError)) throw error;
      }
      await this.outbox.sendToMaintainers(manager, {
        purpose: 'member.left_notice',
        subject: `${member.organisation} left ${list}`,
        text: [
          `${member.organisation} (${member.email}) left ${list} at its own request,`,
          `on ${now.toISOString().slice(0, 16).replace('T', ' ')} UTC. No copy goes to it from now on.`,
          ``,
          `Its record: ${this.settings.publicUrl}/admin/members/${member.id}`,
        ].join('\n'),
      });
      await this.checkpoints.afterDecision(manager, 'member.removed');
    });
  }
}
