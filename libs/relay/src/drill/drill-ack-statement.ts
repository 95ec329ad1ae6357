import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { SETTINGS, Settings } from '@cordon/config';
import { Outbox } from '@cordon/delivery';
import { DomainError } from '@cordon/errors';
import { MemberLookup } from '@cordon/membership';
import { InboundMessage } from '../ingress';
import { OpenedMail } from '../open';
import { ListAddresses } from '../ingress/list-addresses';
import { AckStatementHandler, AckStatements } from '../member-mail/ack-statements';
import { MemberMailRefusal } from '../member-mail/member-mail-refusals';
import { AnswerDrill } from './answer-drill';

const STATEMENT = /\bdrill\s+(\d{1,9})\s+received\b/i;

/**
 * A member answers a fire drill by a signed reply to `-ack` saying `Drill <n> received` (issue
 * 14). AcknowledgementMail has checked the signature against the member's current key and used it
 * up; AnswerDrill decides whether it counts (a running drill sent to this member). The member gets
 * an encrypted confirmation; a statement for a drill it cannot answer (or signed before the drill
 * started) changes nothing and is refused as UNKNOWN_DRILL.
 */
@Injectable()
export class DrillAckStatement implements AckStatementHandler, OnModuleInit {
  readonly name = 'drill';

  constructor(
    private readonly statements: AckStatements,
    private readonly answers: AnswerDrill,
    private readonly outbox: Outbox,
    private readonly mailboxes: MemberLookup,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  onModuleInit(): void {
    this.statements.register(this);
  }

  matches(text: string): boolean {
    return STATEMENT.test(text);
  }

  async handle(
    manager: EntityManager,
    _inbound: InboundMessage,
    opened: OpenedMail,
    memberId: string,
    text: string,
  ): Promise<MemberMailRefusal | null> {
    const number = Number(STATEMENT.exec(text)?.[1]);
    let answer;
    try {
      answer = await this.answers.inTransaction(
        manager,
        memberId,
        number,
        'signed_mail',
        new Date(),
        opened.signer.signedAt,
      );
    } catch (error) {
      if (!(error instanceof DomainError) || !['NOT_FOUND', 'WRONG_STATE'].includes(error.code)) throw error;
      return {
        code: 'UNKNOWN_DRILL',
        message: error.message,
        advice: `Answer a drill within its time, by the button at ${this.settings.publicUrl}/member/drill or a signed mail to ${new ListAddresses(this.settings.LIST_ADDRESS).ack} saying "Drill <number> received" with the number of the drill mail you were sent.`,
      };
    }
    const member = await this.mailboxes.of(manager, memberId, null);
    if (!member) return null;
    try {
      await this.outbox.send(manager, {
        purpose: 'drill.answer_confirmed',
        to: member.email,
        recipientKey: member.keyArmored,
        subject: `Your answer to fire drill ${number}`,
        text:
          answer.answered === 'now'
            ? `Recorded: you answered fire drill ${number} of ${this.settings.LIST_NAME} by signed mail. Thank you.`
            : `You had already answered fire drill ${number} of ${this.settings.LIST_NAME} (${answer.at.toISOString()}); this mail changes nothing.`,
      });
    } catch (error) {
      // A key that can sign but no longer encrypt: the answer stands, unconfirmed.
      if (!(error instanceof DomainError)) throw error;
    }
    return null;
  }
}
