import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { SERVER_SECRET, ServerSecret } from '@cordon/crypto';
import { Outbox } from '@cordon/delivery';
import { embargoNumberIn, EmbargoTags } from '@cordon/embargo';
import { MemberMailbox, MemberLookup } from '@cordon/membership';
import { InboundMessage, InboundQueue } from '../ingress';
import { OpenedMail } from '../open';
import { isFailedSignature, Refusal } from '../refusals/refusal-catalogue';
import { answerMessage } from '../member-answers/answer-message';
import { ANSWER_CONTENT, ANSWER_SUBJECT } from '../member-answers/answer-sealing';
import { MemberMailRefusals } from './member-mail-refusals';
import { MemberSigners } from './member-signers';
import { claimSignature } from './signature-registry';

/** What became of a message to the list or -owner that may be a member's answer. */
export type AnswerOutcome =
  | { kind: 'answer' }
  /** Not an answer: signed by no member, or not encrypted and signed at all; `refusal` when a member's signature failed. */
  | { kind: 'not_an_answer'; refusal?: Refusal };

/**
 * Members answer (issue 5, "Members answer"): mail to the list or `-owner` address that is
 * encrypted to the list key and signed by an ACTIVE member's key is an answer. It is never
 * relayed to the list: it is stored (subject and content sealed with the server secret, like a
 * post's subject) and forwarded to each active maintainer, re-encrypted to each, who can release
 * it to the list from the admin UI (ReleaseMemberAnswer). A signature counts once.
 */
@Injectable()
export class MemberAnswers {
  private readonly logger = new Logger('relay');

  constructor(
    private readonly dataSource: DataSource,
    private readonly signers: MemberSigners,
    private readonly refusals: MemberMailRefusals,
    private readonly queue: InboundQueue,
    private readonly audit: AuditLog,
    private readonly outbox: Outbox,
    private readonly mailboxes: MemberLookup,
    private readonly embargoes: EmbargoTags,
    @Inject(SERVER_SECRET) private readonly secret: ServerSecret,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  /** Takes the message as an answer if it is one, finishing it; otherwise leaves it to the caller. */
  async receive(inbound: InboundMessage): Promise<AnswerOutcome> {
    const verdict = await this.signers.open(inbound.raw, 'active', 'required');
    if (verdict.kind === 'refused') {
      // A member's signature that failed (changed content, expired or revoked key, too old) is the
      // reason to give; a message no member signed is left to the caller's refusal or forwarding.
      const refusal = { code: verdict.code, message: verdict.message };
      return { kind: 'not_an_answer', ...(isFailedSignature(verdict.code) ? { refusal } : {}) };
    }
    const { opened } = verdict;
    const embargoNumber = embargoNumberIn(opened.subject);
    await this.dataSource.transaction(async (manager) => {
      const member = await this.mailboxes.of(manager, opened.signer.id, ['active'], true);
      if (!member || !(await claimSignature(manager, opened, inbound, 'answer'))) {
        return this.refusals.refuse(manager, inbound, {
          code: member ? 'REPLAYED' : 'SIGNER_UNKNOWN',
          message: member
            ? 'This signed message was received before; a signed message counts once.'
            : 'The signing key is no longer the key of an active member.',
          advice: 'To answer, send a new message, signed with your key and encrypted to the list key.',
        });
      }
      await this.store(manager, inbound, opened, member, embargoNumber);
    });
    return { kind: 'answer' };
  }

  private async store(
    manager: EntityManager,
    inbound: InboundMessage,
    opened: OpenedMail,
    member: MemberMailbox,
    embargoNumber: number | null,
  ): Promise<void> {
    const id = randomUUID();
    const embargo = embargoNumber ? await this.embargoes.named(manager, embargoNumber) : null;
    await manager.query(
      `INSERT INTO member_answer
         (id, member_id, inbound_message_id, embargo_id, signer_fingerprint, signed_at, subject_sealed, content_sealed)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        id,
        opened.signer.id,
        inbound.id,
        embargo?.id ?? null,
        opened.signer.signerFingerprint,
        opened.signer.signedAt,
        this.secret.seal(ANSWER_SUBJECT, opened.subject),
        this.secret.seal(ANSWER_CONTENT, opened.content.toString('base64')),
      ],
    );
    const maintainers = await this.forward(manager, inbound, opened, member, { id, embargoNumber });
    await this.queue.finish(manager, inbound, { status: 'processed' });
    await this.audit.append(manager, {
      actor: `member:${opened.signer.id}`,
      action: 'member_answer.received',
      subject: `member_answer:${id}`,
      details: {
        inboundMessageId: inbound.id,
        kind: inbound.recipientKind,
        embargoId: embargo?.id ?? null,
        signerFingerprint: opened.signer.signerFingerprint,
        maintainers,
      },
    });
    this.logger.log(
      `inbound ${inbound.id}: answer ${id} from member ${opened.signer.id}, to ${maintainers} maintainer(s)`,
    );
  }

  /** To each active maintainer, re-encrypted to each (like OwnerMail.forward); never to a member. */
  private async forward(
    manager: EntityManager,
    inbound: InboundMessage,
    opened: OpenedMail,
    member: MemberMailbox,
    answer: { id: string; embargoNumber: number | null },
  ): Promise<number> {
    const attached = answerMessage(
      {
        subject: opened.subject,
        from: opened.from,
        to: inbound.rcptTo[0] ?? this.settings.LIST_ADDRESS,
        date: opened.signer.signedAt,
      },
      opened.content,
    );
    const tag = answer.embargoNumber ? ` It names embargo EMB-${answer.embargoNumber}.` : '';
    return this.outbox.sendToMaintainers(manager, {
      purpose: 'relay.member_answer',
      subject: `Answer from ${member.organisation}: ${opened.subject}`,
      text: [
        `${member.organisation} (${member.email}), a member, answered to ${inbound.rcptTo[0] ?? this.settings.LIST_ADDRESS},`,
        `signed with its key ${opened.signer.signerFingerprint} at ${opened.signer.signedAt.toISOString()}.${tag}`,
        `It was not relayed to the members. It is attached as the member wrote it; Cordon checked the signature.`,
        ``,
        `To send it to every member, release it here: ${this.settings.publicUrl}/admin/answers/${answer.id}`,
      ].join('\n'),
      forwarded: [attached],
    });
  }
}
