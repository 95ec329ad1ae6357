import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { InboundMessage } from '../ingress';
import { RefusalCode } from '../refusals/refusal-catalogue';
import { AckStatements } from './ack-statements';
import { AcknowledgementMail } from './acknowledgement-mail';
import { LeakMail } from './leak-mail';
import { AnswerOutcome, MemberAnswers } from './member-answers';
import { MemberMailRefusals } from './member-mail-refusals';
import { MemberSigners } from './member-signers';
import { NonMemberReply } from './non-member-reply';

/**
 * What the relay does with mail that is not a maintainer's post (issue 5): a member's signed
 * acknowledgement (`-ack`), leak report (`-leaks`) or answer (the list or `-owner` address), and
 * the one reply a stranger gets. The InboundProcessor hands each message here by its address.
 */
@Injectable()
export class MemberMail {
  constructor(
    private readonly acknowledgements: AcknowledgementMail,
    private readonly leaks: LeakMail,
    private readonly answers: MemberAnswers,
    private readonly nonMembers: NonMemberReply,
  ) {}

  /** `-ack`: a signed statement acknowledging the current Embargo Policy. */
  acknowledge(inbound: InboundMessage): Promise<void> {
    return this.acknowledgements.process(inbound);
  }

  /** `-leaks`: a signed leak report. */
  reportLeak(inbound: InboundMessage): Promise<void> {
    return this.leaks.process(inbound);
  }

  /** The list or `-owner`: takes a member's signed, encrypted answer (finished), or says why not. */
  answer(inbound: InboundMessage): Promise<AnswerOutcome> {
    return this.answers.receive(inbound);
  }

  /**
   * A refused message to the list: when its sender is a stranger, answers it once (in the
   * caller's transaction) and returns true; false for a maintainer's or member's address.
   */
  strangerRefused(manager: EntityManager, inbound: InboundMessage, code: RefusalCode): Promise<boolean> {
    return this.nonMembers.answer(manager, inbound, code);
  }
}

/** The providers of the mail members send, for the pipeline module. */
export const memberMailProviders = [
  MemberSigners,
  MemberMailRefusals,
  AckStatements,
  AcknowledgementMail,
  LeakMail,
  MemberAnswers,
  NonMemberReply,
  MemberMail,
];
