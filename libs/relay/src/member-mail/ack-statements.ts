import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { InboundMessage } from '../ingress';
import { OpenedMail } from '../open';
import { MemberMailRefusal } from './member-mail-refusals';

/**
 * A kind of signed statement a member mails to `-ack` other than the policy acknowledgement: an
 * embargo status (`Status EMB-3: affected`), a drill answer (`Drill 2 received`). The
 * AcknowledgementMail has already verified the signature with the member's current key, found
 * the member active or suspended (and locked its row), and used the signature up (a statement
 * counts once, whatever came of it); the handler decides and records the rest.
 */
export interface AckStatementHandler {
  /** A short name, for the logs and for refusing a second handler by the same name. */
  readonly name: string;
  /** Whether the signed text is this kind of statement; the first handler that matches takes it. */
  matches(text: string): boolean;
  /**
   * In the caller's transaction: records the statement (audited) and confirms it to the member,
   * then returns null; or, having changed nothing, returns why it was refused (the caller refuses
   * it through MemberMailRefusals, with the advice given here).
   */
  handle(
    manager: EntityManager,
    inbound: InboundMessage,
    opened: OpenedMail,
    memberId: string,
    text: string,
  ): Promise<MemberMailRefusal | null>;
}

/**
 * The statements `-ack` takes besides the policy acknowledgement. Each handler is a provider
 * that registers itself here as the relay module is built (docs/architecture.md, "Dependencies
 * point one way"), so the acknowledgement mail routes to it without knowing it.
 */
@Injectable()
export class AckStatements {
  private readonly handlers: AckStatementHandler[] = [];

  register(handler: AckStatementHandler): void {
    if (this.handlers.some((known) => known.name === handler.name)) {
      throw new Error(`an -ack statement handler named ${handler.name} is registered already`);
    }
    this.handlers.push(handler);
  }

  /** The handler for this signed text, if any takes it. */
  find(text: string): AckStatementHandler | undefined {
    return this.handlers.find((handler) => handler.matches(text));
  }
}
