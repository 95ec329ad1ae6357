import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { SETTINGS, Settings } from '@cordon/config';
import { Outbox } from '@cordon/delivery';
import { Recipient } from '@cordon/embargo';
import { SkippedMember } from '../fan-out';

interface KeyHolder {
  email: string;
  key_armored: string;
}

const skipWords: Record<string, string> = {
  key_expired: 'key has expired',
  key_unusable: 'key cannot be encrypted to',
  embargo_ended: 'has not acknowledged the current Embargo Policy, and the embargo has ended',
};

/**
 * What the relay tells people, always encrypted and never quoting the refused content
 * (issue 4, "Opening a post"): the sender (only when it is a maintainer or member whose key we
 * hold: a stranger's address may be forged, and answering it would be backscatter) and the
 * maintainers. The sending maintainer also gets the post's delivery summary.
 */
@Injectable()
export class RelayNotices {
  constructor(
    private readonly outbox: Outbox,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async refused(
    manager: EntityManager,
    refusal: { code: string; message: string; inboundId: string; sender: string; receivedAt: Date },
  ): Promise<void> {
    const when = refusal.receivedAt.toISOString();
    const maintainers = await this.activeMaintainers(manager);
    for (const m of maintainers) {
      await this.outbox.send(manager, {
        purpose: 'relay.refusal_report',
        to: m.email,
        recipientKey: m.key_armored,
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
    }
    const sender = await this.knownSender(manager, refusal.sender);
    if (sender && !maintainers.some((m) => m.email.toLowerCase() === sender.email.toLowerCase())) {
      await this.outbox.send(manager, {
        purpose: 'relay.refusal_notice',
        to: sender.email,
        recipientKey: sender.key_armored,
        subject: `Your message to ${this.settings.LIST_ADDRESS} was not relayed`,
        text: [
          `Your message to ${this.settings.LIST_ADDRESS}, received ${when}, was not relayed to anyone.`,
          ``,
          `Reason: ${refusal.message}`,
          ``,
          `Only posts encrypted to the list key and signed by a maintainer's key are relayed.`,
        ].join('\n'),
      });
    }
  }

  async accepted(
    manager: EntityManager,
    post: {
      maintainerId: string;
      subject: string;
      postId: string;
      recipients: number;
      held: Pick<Recipient, 'email'>[];
      skipped: SkippedMember[];
    },
  ): Promise<void> {
    const [maintainer] = (await manager.query('SELECT email, key_armored FROM maintainer WHERE id = $1', [
      post.maintainerId,
    ])) as KeyHolder[];
    if (!maintainer) return;
    const skippedLines = post.skipped.map((s) => `  - ${s.email}: ${skipWords[s.reason] ?? s.reason}`);
    await this.outbox.send(manager, {
      purpose: 'relay.post_summary',
      to: maintainer.email,
      recipientKey: maintainer.key_armored,
      subject: `Relayed: ${post.subject}`,
      text: [
        `Your post "${post.subject}" was accepted and is being delivered, encrypted, to ${post.recipients} member(s).`,
        ``,
        post.skipped.length ? `Not sent to ${post.skipped.length} member(s):` : 'No member was skipped.',
        ...skippedLines,
        ...(post.held.length
          ? [
              ``,
              `Held for ${post.held.length} member(s) until they acknowledge the current Embargo Policy (sent then, unless the embargo has ended):`,
              ...post.held.map((m) => `  - ${m.email}`),
            ]
          : []),
        ``,
        `Delivery status, per member: ${this.settings.publicUrl}/admin/posts/${post.postId}`,
      ].join('\n'),
    });
  }

  private activeMaintainers(manager: EntityManager): Promise<KeyHolder[]> {
    return manager.query(`SELECT email, key_armored FROM maintainer WHERE status = 'active' ORDER BY email`);
  }

  /** A maintainer or an active member with this address, whose key we hold. */
  private async knownSender(manager: EntityManager, address: string): Promise<KeyHolder | null> {
    if (!address) return null;
    const rows = (await manager.query(
      `SELECT email, key_armored FROM maintainer WHERE lower(email) = lower($1) AND status = 'active'
       UNION ALL
       SELECT email, key_armored FROM member WHERE lower(email) = lower($1) AND status = 'active'
       LIMIT 1`,
      [address],
    )) as KeyHolder[];
    return rows[0] ?? null;
  }
}
