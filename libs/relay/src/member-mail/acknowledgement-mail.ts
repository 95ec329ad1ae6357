import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { DomainError } from '@cordon/errors';
import { Outbox } from '@cordon/delivery';
import { MemberMailbox, MemberLookup } from '@cordon/membership';
import { acknowledgementStatement, Policies, PolicyVersion } from '@cordon/policy';
import { InboundMessage, InboundQueue, ListAddresses } from '../ingress';
import { OpenedMail } from '../open';
import { SIGNED_MAIL_REPLAYED } from '../refusals/refusal-catalogue';
import { AckStatementHandler, AckStatements } from './ack-statements';
import { MemberMailRefusal, MemberMailRefusals } from './member-mail-refusals';
import { MemberSigners } from './member-signers';
import { signedText } from './signed-text';
import { claimSignature } from './signature-registry';

/**
 * What a statement mailed to `-ack` must say: it names the list (its address, or the `-ack`
 * address) and the version it acknowledges, as `version N` or by the version's SHA-256. A valid
 * signature is not enough on its own: a member signs many messages (to public lists, say), and
 * any of them, forwarded here by someone else, would otherwise acknowledge a policy in the
 * member's name.
 */
export function namesCurrentPolicy(signed: string, policy: PolicyVersion, addresses: string[]): boolean {
  const lower = signed.toLowerCase();
  const namesList = addresses.some((address) => lower.includes(address.toLowerCase()));
  const namesVersion =
    new RegExp(`\\bversion\\s+${policy.version}\\b`, 'i').test(signed) || lower.includes(policy.sha256);
  return namesList && namesVersion;
}

/**
 * A member acknowledges the Embargo Policy by mailing a signed statement to `<list>-ack@` (issue
 * 5, "Policy and acknowledgements"): PGP/MIME signed (RFC 3156), inline cleartext-signed, or
 * signed and encrypted to the list key, as gpg, Thunderbird and mutt make them. It counts for the
 * CURRENT version only, and only if it was signed after that version was published (an older
 * statement, or an old signature replayed, must not agree to a newer text) with the member's
 * current key, and only once per signature. Acknowledging releases the member's held list mail
 * (Policies.acknowledge). The member gets an encrypted confirmation; anything else is refused
 * with nothing recorded but the refusal (MemberMailRefusals). A signed statement of another kind
 * (an embargo status, a drill answer) goes to the AckStatements handler that takes it instead.
 */
@Injectable()
export class AcknowledgementMail {
  private readonly logger = new Logger('relay');

  constructor(
    private readonly dataSource: DataSource,
    private readonly signers: MemberSigners,
    private readonly refusals: MemberMailRefusals,
    private readonly policies: Policies,
    private readonly queue: InboundQueue,
    private readonly audit: AuditLog,
    private readonly outbox: Outbox,
    private readonly addresses: ListAddresses,
    private readonly mailboxes: MemberLookup,
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly statements: AckStatements,
  ) {}

  async process(inbound: InboundMessage): Promise<void> {
    const verdict = await this.signers.open(inbound.raw, 'active_or_suspended', 'optional');
    if (verdict.kind === 'refused') {
      return this.refusals.refuseNow(inbound, { ...verdict, advice: await this.advice() });
    }
    const { opened } = verdict;
    const { text, signedHeaders } = await signedText(opened.content);
    const handler = this.statements.find(text);
    if (handler) return this.dispatch(handler, inbound, opened, text);
    await this.dataSource.transaction(async (manager) => {
      const policy = await this.policies.current(manager);
      const checked = await this.check(manager, inbound, opened, `${signedHeaders}\n${text}`, policy);
      if ('code' in checked) {
        return this.refusals.refuse(manager, inbound, { ...checked, advice: this.adviceFor(policy) });
      }
      await this.record(manager, inbound, opened, policy, checked);
    });
  }

  /**
   * A statement another handler takes: the member must still be active or suspended (its row
   * locked, as for an acknowledgement) and the signature unused; the signature is used up here.
   */
  private async dispatch(
    handler: AckStatementHandler,
    inbound: InboundMessage,
    opened: OpenedMail,
    text: string,
  ): Promise<void> {
    const memberId = opened.signer.id;
    await this.dataSource.transaction(async (manager) => {
      const refuse = (refusal: Omit<MemberMailRefusal, 'advice'>) =>
        this.refusals.refuse(manager, inbound, {
          ...refusal,
          advice: `Send ${this.addresses.ack} a new statement, signed with the key registered for your membership.`,
        });
      if (!(await this.mailboxes.of(manager, memberId, ['active', 'suspended'], true))) {
        return refuse({ code: 'SIGNER_UNKNOWN', message: 'The signing key is no longer a member key.' });
      }
      if (!(await claimSignature(manager, opened, inbound, 'acknowledgement'))) {
        return refuse({ code: 'REPLAYED', message: SIGNED_MAIL_REPLAYED });
      }
      const refusal = await handler.handle(manager, inbound, opened, memberId, text);
      if (refusal) return this.refusals.refuse(manager, inbound, refusal);
      await this.queue.finish(manager, inbound, { status: 'processed' });
      this.logger.log(`inbound ${inbound.id}: member ${memberId}'s signed ${handler.name} statement recorded`);
    });
  }

  /** The member, when the statement counts (its signature is then used); otherwise why not. */
  private async check(
    manager: EntityManager,
    inbound: InboundMessage,
    opened: OpenedMail,
    signed: string,
    policy: PolicyVersion,
  ): Promise<Omit<MemberMailRefusal, 'advice'> | MemberMailbox> {
    // Signature times are whole seconds (RFC 4880 §5.2.3.4): one made in the second the version
    // was published counts, or a member quick to sign could never acknowledge it.
    if (opened.signer.signedAt.getTime() < Math.floor(policy.publishedAt.getTime() / 1000) * 1000) {
      return {
        code: 'SIGNED_BEFORE_POLICY',
        message: `The signature was made before version ${policy.version} of the Embargo Policy was published, so it cannot acknowledge that version.`,
      };
    }
    if (!namesCurrentPolicy(signed, policy, [this.addresses.list, this.addresses.ack])) {
      return {
        code: 'NOT_A_STATEMENT',
        message: `The signed text does not name this list and version ${policy.version} of its Embargo Policy.`,
      };
    }
    // Locked, so that a suspension or removal racing this mail waits for it, or wins.
    const member = await this.mailboxes.of(manager, opened.signer.id, ['active', 'suspended'], true);
    if (!member) return { code: 'SIGNER_UNKNOWN', message: 'The signing key is no longer a member key.' };
    if (!(await claimSignature(manager, opened, inbound, 'acknowledgement'))) {
      return { code: 'REPLAYED', message: SIGNED_MAIL_REPLAYED };
    }
    return member;
  }

  private async record(
    manager: EntityManager,
    inbound: InboundMessage,
    opened: OpenedMail,
    policy: PolicyVersion,
    member: MemberMailbox,
  ): Promise<void> {
    const memberId = opened.signer.id;
    const already = member.acknowledgedPolicyVersion === policy.version;
    const released = already
      ? 0
      : await this.policies.acknowledge(manager, memberId, policy, 'signed_mail', `member:${memberId}`);
    await this.queue.finish(manager, inbound, { status: 'processed' });
    await this.audit.append(manager, {
      actor: `member:${memberId}`,
      action: 'member_mail.acknowledgement',
      subject: `inbound_message:${inbound.id}`,
      details: {
        memberId,
        version: policy.version,
        sha256: policy.sha256,
        signerFingerprint: opened.signer.signerFingerprint,
        signatureDigest: opened.signer.signatureDigest,
        signedAt: opened.signer.signedAt.toISOString(),
        encrypted: opened.encrypted,
        alreadyAcknowledged: already,
        released,
      },
    });
    await this.confirm(manager, member, opened, policy, { already, released });
    this.logger.log(`inbound ${inbound.id}: member ${memberId} acknowledged policy version ${policy.version} by mail`);
  }

  private async confirm(
    manager: EntityManager,
    member: MemberMailbox,
    opened: OpenedMail,
    policy: PolicyVersion,
    outcome: { already: boolean; released: number },
  ): Promise<void> {
    try {
      await this.outbox.send(manager, {
        purpose: 'relay.acknowledgement_confirmed',
        to: member.email,
        recipientKey: member.keyArmored,
        subject: `Your acknowledgement of the Embargo Policy, version ${policy.version}`,
        text: [
          outcome.already
            ? `You had already acknowledged version ${policy.version} of the Embargo Policy of ${this.settings.LIST_ADDRESS}; your signed statement changes nothing.`
            : `Recorded: you acknowledged version ${policy.version} of the Embargo Policy of ${this.settings.LIST_ADDRESS} by signed mail.`,
          ``,
          `Policy version: ${policy.version} (SHA-256 ${policy.sha256})`,
          `Signed with key: ${opened.signer.signerFingerprint}`,
          `Signed at: ${opened.signer.signedAt.toISOString()}`,
          ...(outcome.released ? [``, `${outcome.released} list message(s) held for you are now on their way.`] : []),
        ].join('\n'),
      });
    } catch (error) {
      // A key that can sign but no longer encrypt: the acknowledgement stands, unconfirmed.
      if (!(error instanceof DomainError)) throw error;
    }
  }

  private async advice(): Promise<string> {
    try {
      return this.adviceFor(await this.policies.current());
    } catch {
      return this.adviceFor(null);
    }
  }

  private adviceFor(policy: PolicyVersion | null): string {
    const statement = policy
      ? `"${acknowledgementStatement(policy, this.settings.LIST_ADDRESS)}"`
      : 'that you acknowledge the current version of the Embargo Policy of this list';
    return [
      `To acknowledge the Embargo Policy by mail, send ${this.addresses.ack} a message signed with the key`,
      `registered for your membership (PGP/MIME or inline; encrypted to the list key or not) whose text says`,
      statement,
      `Or acknowledge it on the web, after asking for a sign-in link at ${this.settings.publicUrl}/member.`,
    ].join('\n');
  }
}
