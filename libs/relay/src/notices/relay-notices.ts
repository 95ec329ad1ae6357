import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { SETTINGS, Settings } from '@cordon/config';
import { Outbox } from '@cordon/delivery';
import { DomainError } from '@cordon/errors';
import { Recipient } from '@cordon/embargo';
import { MaintainerLookup, PostingMaintainerKeys } from '@cordon/maintainers';
import { MemberMailbox, MemberLookup } from '@cordon/membership';
import { SkippedMember } from '../fan-out';
import { Refusal } from '../refusals/refusal-catalogue';

interface Copy {
  recipient: string;
  status: string;
  reason: string | null;
  organisation: string;
}

/** As the summary lists copies: by organisation, then address, without case. */
function byOrganisation(a: Copy, b: Copy): number {
  const key = (c: Copy) => [c.organisation.toLowerCase(), c.recipient.toLowerCase()];
  const [x, y] = [key(a), key(b)];
  if (x[0] !== y[0]) return x[0] < y[0] ? -1 : 1;
  return x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0;
}

/** Recipients listed by address in the pre-flight summary; beyond this, the count and the post's page. */
export const PREFLIGHT_LIST_MAX = 200;

const skipWords: Record<string, string> = {
  key_expired: 'key has expired',
  key_unusable: 'key cannot be encrypted to',
  key_changed: 'key was replaced after the post was queued',
  embargo_ended: 'has not acknowledged the current Embargo Policy, and the embargo has ended',
  member_suspended: 'is suspended',
  member_removed: 'was removed',
  member_banned: 'is banned',
};

/** One line per item, or, beyond PREFLIGHT_LIST_MAX, a pointer to the post's page. */
function listed<T>(items: T[], line: (item: T) => string): string[] {
  if (items.length > PREFLIGHT_LIST_MAX) return [`  (more than ${PREFLIGHT_LIST_MAX}: the list is on the post's page)`];
  return items.map((item) => `  - ${line(item)}`);
}

/** Why a member does not get a post, in words (a code the summary does not know is shown as is). */
export function skipReasonText(reason: string): string {
  return skipWords[reason] ?? reason;
}

/**
 * What the relay tells people, always encrypted and never quoting the refused content
 * (issue 4, "Opening a post"): the sender (only when it is a maintainer or member whose key we
 * hold: a stranger's address may be forged, and answering it would be backscatter) and the
 * maintainers. The sending maintainer also gets the post's pre-flight summary.
 */
@Injectable()
export class RelayNotices {
  constructor(
    private readonly outbox: Outbox,
    private readonly maintainers: MaintainerLookup,
    private readonly postingMaintainers: PostingMaintainerKeys,
    private readonly members: MemberLookup,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async refused(
    manager: EntityManager,
    refusal: Refusal & { inboundId: string; sender: string; receivedAt: Date },
  ): Promise<void> {
    const when = refusal.receivedAt.toISOString();
    await this.outbox.sendToMaintainers(manager, {
      purpose: 'relay.refusal_report',
      subject: `Refused a message to ${this.settings.LIST_ADDRESS}`,
      text: [
        `A message to ${this.settings.LIST_ADDRESS} was refused and relayed to no one.`,
        ``,
        `Envelope sender: ${refusal.sender || '(none)'}`,
        `Received: ${when}`,
        `Reason: ${refusal.code}: ${refusal.message}`,
        `Reference: inbound message ${refusal.inboundId}`,
      ].join('\n'),
    });
    const sender = await this.knownSender(manager, refusal.sender);
    if (!sender) return;
    try {
      await this.outbox.send(manager, {
        purpose: 'relay.refusal_notice',
        to: sender.email,
        recipientKey: sender.keyArmored,
        subject: `Your message to ${this.settings.LIST_ADDRESS} was not relayed`,
        text: [
          `Your message to ${this.settings.LIST_ADDRESS}, received ${when}, was not relayed to anyone.`,
          ``,
          `Reason: ${refusal.message}`,
          ``,
          `Only posts encrypted to the list key and signed by a maintainer's key are relayed.`,
        ].join('\n'),
      });
    } catch (error) {
      // A member key that can no longer take mail must not keep the refusal from being recorded.
      if (!(error instanceof DomainError)) throw error;
    }
  }

  /**
   * The pre-flight summary to the sending maintainer (issue 6, "Watch it"): who the post goes to,
   * for whom it is held and who is skipped, and why. Queued in the transaction that fans the post
   * out, after the copies' rows, and read from them: what it says is what was queued. Each list
   * names up to PREFLIGHT_LIST_MAX members; beyond that, its count and the post's page.
   * `recipients`, `held` and `skipped` are what the pipeline selected; the rows are the record.
   */
  async accepted(
    manager: EntityManager,
    post: {
      maintainerId: string;
      subject: string;
      postId: string;
      recipients?: number;
      held?: Pick<Recipient, 'email'>[];
      skipped?: SkippedMember[];
    },
  ): Promise<void> {
    const maintainer = await this.maintainers.mailbox(manager, post.maintainerId);
    if (!maintainer) return;
    const copies = await this.copiesOf(manager, post.postId);
    const going = copies.filter((c) => c.status === 'pending');
    const held = copies.filter((c) => c.status === 'held');
    const skipped = copies.filter((c) => c.status === 'skipped');
    const who = (c: { recipient: string; organisation: string }) => `${c.organisation} <${c.recipient}>`;
    const page = `${this.settings.publicUrl}/admin/posts/${post.postId}`;
    await this.outbox.send(manager, {
      purpose: 'relay.post_summary',
      to: maintainer.email,
      recipientKey: maintainer.keyArmored,
      subject: `Pre-flight: ${post.subject}`,
      text: [
        `Your post "${post.subject}" was accepted. Each member's copy is encrypted to that member alone`,
        `and signed by the list key. This is who it goes to, as it was queued.`,
        ``,
        `Going to ${going.length} member(s)${going.length ? ':' : '.'}`,
        ...listed(going, who),
        ``,
        held.length
          ? `Held for ${held.length} member(s) who have not acknowledged the current Embargo Policy (sent once they do, unless the embargo has ended by then):`
          : 'Held for no member.',
        ...listed(held, who),
        ``,
        skipped.length ? `Not sent to ${skipped.length} member(s):` : 'Skipped: no member.',
        ...listed(skipped, (c) => `${who(c)}: ${skipReasonText(c.reason ?? '')}`),
        ``,
        `Delivery status, member by member: ${page}`,
      ].join('\n'),
    });
  }

  /** The post's copies as queued, each with its member's organisation. */
  private async copiesOf(manager: EntityManager, postId: string): Promise<Copy[]> {
    const rows = (await manager.query(
      'SELECT recipient, status, reason, member_id FROM post_delivery WHERE post_id = $1',
      [postId],
    )) as { recipient: string; status: string; reason: string | null; member_id: string }[];
    const members = await this.members.byIds(
      manager,
      rows.map((row) => row.member_id),
    );
    return rows
      .flatMap(({ member_id, ...copy }) => {
        const member = members.get(member_id);
        return member ? [{ ...copy, organisation: member.organisation }] : [];
      })
      .sort(byOrganisation);
  }

  /** An active member with this address, whose key we hold (a maintainer who may post has had the report). */
  private async knownSender(manager: EntityManager, address: string): Promise<MemberMailbox | null> {
    if (!address) return null;
    if (await this.postingMaintainers.hasAddress(manager, address)) return null;
    return this.members.at(manager, address, ['active']);
  }
}
