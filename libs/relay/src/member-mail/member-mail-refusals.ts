import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { claimAutoReply, Outbox } from '@cordon/delivery';
import { DomainError } from '@cordon/errors';
import { MemberMailbox, MemberLookup } from '@cordon/membership';
import { InboundMessage, InboundQueue } from '../ingress';
import { Refusal } from '../refusals/refusal-catalogue';

export interface MemberMailRefusal extends Refusal {
  /** What the member should do instead: a fixed text, never anything from the refused message. */
  advice: string;
}

/** The address a refused message was sent to, for the note; by its kind. */
const ADDRESS_SUFFIX: Partial<Record<InboundMessage['recipientKind'], string>> = {
  owner: '-owner',
  ack: '-ack',
  leaks: '-leaks',
};

/**
 * Refuses a member's mail to `-ack` or `-leaks` (issue 5): nothing is recorded but the refusal,
 * in the audit log, with its code. The envelope sender may be forged, so nobody outside the list
 * is ever answered; when it is the address of a member, that member gets one encrypted note a day
 * at most (a forged acknowledgement is news to the member it claims to come from, and only the
 * holder of the member's key can read it).
 */
@Injectable()
export class MemberMailRefusals {
  private readonly logger = new Logger('relay');

  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: InboundQueue,
    private readonly audit: AuditLog,
    private readonly outbox: Outbox,
    private readonly mailboxes: MemberLookup,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  refuseNow(inbound: InboundMessage, refusal: MemberMailRefusal): Promise<void> {
    return this.dataSource.transaction((manager) => this.refuse(manager, inbound, refusal));
  }

  /** In the caller's transaction. */
  async refuse(manager: EntityManager, inbound: InboundMessage, refusal: MemberMailRefusal): Promise<void> {
    await this.queue.finish(manager, inbound, { status: 'refused', refusalCode: refusal.code });
    await this.audit.append(manager, {
      actor: 'system',
      action: 'member_mail.refused',
      subject: `inbound_message:${inbound.id}`,
      details: { code: refusal.code, sender: inbound.mailFrom || null, kind: inbound.recipientKind },
    });
    this.logger.warn(`inbound ${inbound.id} (${inbound.recipientKind}) refused: ${refusal.code}`);
    // A member (active or suspended) with the sender's address, whose key we hold.
    const member = await this.mailboxes.at(manager, inbound.mailFrom, ['active', 'suspended']);
    if (!member) return;
    if (!(await claimAutoReply(manager, `refused_${inbound.recipientKind}`, member.email, 1))) return;
    const [local, domain] = this.settings.LIST_ADDRESS.split('@');
    const address = `${local}${ADDRESS_SUFFIX[inbound.recipientKind] ?? ''}@${domain}`;
    await this.note(manager, member, address, inbound, refusal);
  }

  private async note(
    manager: EntityManager,
    member: MemberMailbox,
    address: string,
    inbound: InboundMessage,
    refusal: MemberMailRefusal,
  ): Promise<void> {
    try {
      await this.outbox.send(manager, {
        purpose: 'relay.member_mail_refused',
        to: member.email,
        recipientKey: member.keyArmored,
        subject: `Your message to ${address} was not accepted`,
        text: [
          `A message to ${address} with your address as its sender, received ${inbound.receivedAt.toISOString()},`,
          `was not accepted, and nothing was recorded.`,
          ``,
          `Reason: ${refusal.message}`,
          ``,
          refusal.advice,
          ``,
          `If you did not send it, someone else used your address; its signature did not make it count.`,
          `This note is sent at most once a day.`,
        ].join('\n'),
      });
    } catch (error) {
      // A member key that cannot be encrypted to gets no note; the refusal stands all the same.
      if (!(error instanceof DomainError)) throw error;
    }
  }
}
