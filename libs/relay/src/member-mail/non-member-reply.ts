import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { NON_MEMBER_REPLY_DAYS, Outbox } from '@cordon/delivery';
import { MaintainerLookup } from '@cordon/maintainers';
import { ConfirmedApplicantKey, MemberLookup } from '@cordon/membership';
import { InboundMessage } from '../ingress';
import { fieldValue, readEntity } from '../open/mime';
import { RefusalCode } from '../refusals/refusal-catalogue';

/**
 * Mail to the list from someone who is neither a maintainer nor a member (issue 5, "Members
 * answer") is never relayed; its sender gets ONE reply pointing to the application form,
 * encrypted when the list knows their key (a confirmed application from that address), otherwise
 * a neutral plain note that says nothing of the list's content or members
 * (Outbox.sendNonMemberReply, at most once in NON_MEMBER_REPLY_DAYS per address: the sender may be
 * forged). Automatic mail is never answered (RFC 3834 §2), nor the null sender.
 */
@Injectable()
export class NonMemberReply {
  constructor(
    private readonly outbox: Outbox,
    private readonly audit: AuditLog,
    private readonly maintainers: MaintainerLookup,
    private readonly members: MemberLookup,
    private readonly applicantKeys: ConfirmedApplicantKey,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  /**
   * Whether the sender is a stranger to the list (then answered, if at all, here); false for a
   * maintainer's or member's address, whose refusal the usual notices report. The maintainers
   * hear of a stranger's mail in one line, and only when the stranger was answered: at most once
   * a month per address, however many messages a forged sender sends (the audit log has each).
   */
  async answer(manager: EntityManager, inbound: InboundMessage, code: RefusalCode): Promise<boolean> {
    const sender = inbound.mailFrom;
    if (sender && (await this.knows(manager, sender))) return false;
    const answerable = sender !== '' && !isAutomatic(inbound.raw);
    const key = answerable ? await this.applicantKeys.latestFor(manager, sender) : null;
    const replied = answerable ? await this.outbox.sendNonMemberReply(manager, sender, key) : false;
    await this.audit.append(manager, {
      actor: 'system',
      action: 'relay.non_member_mail',
      subject: `inbound_message:${inbound.id}`,
      details: { sender: sender || null, code, replied, encrypted: replied && key !== null },
    });
    if (replied) await this.tellMaintainers(manager, sender, code);
    return true;
  }

  private async tellMaintainers(manager: EntityManager, sender: string, code: RefusalCode): Promise<void> {
    await this.outbox.sendToMaintainers(manager, {
      purpose: 'relay.non_member_report',
      subject: `Mail to ${this.settings.LIST_ADDRESS} from a non-member`,
      text: `Refused mail to ${this.settings.LIST_ADDRESS} from ${sender}, not a member (${code}); relayed to no one, and the sender was pointed to the application form (once in ${NON_MEMBER_REPLY_DAYS} days).`,
    });
  }

  /** A maintainer or member of any standing: removed and banned members are not invited to apply. */
  private async knows(manager: EntityManager, address: string): Promise<boolean> {
    return (
      (await this.maintainers.anyWithAddress(manager, address)) || (await this.members.anyWithAddress(manager, address))
    );
  }
}

/** RFC 3834 §2 and common practice: auto-submitted, bulk or list mail gets no automatic reply. */
export function isAutomatic(raw: Buffer): boolean {
  try {
    const entity = readEntity(raw);
    const autoSubmitted = fieldValue(entity, 'auto-submitted')?.trim().toLowerCase();
    const precedence = fieldValue(entity, 'precedence')?.trim().toLowerCase();
    return (
      (autoSubmitted !== undefined && autoSubmitted !== 'no') ||
      ['bulk', 'junk', 'list'].includes(precedence ?? '') ||
      fieldValue(entity, 'list-id') !== undefined
    );
  } catch {
    return true; // a header block we cannot read: do not answer it
  }
}
