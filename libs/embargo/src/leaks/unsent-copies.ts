import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AnswerFromAbove } from '@cordon/persistence';

/**
 * The copies of list mail not yet sent to a member (pending, or held for an acknowledgement),
 * which ConfirmLeak stops when it removes the member for good. They are the relay's, which sits
 * above embargo (docs/architecture.md, Layout): the relay provides the stop as its module is
 * built (RelayAnswers), and embargo never writes its tables.
 */
@Injectable()
export class UnsentCopies extends AnswerFromAbove<[EntityManager, string], number> {
  constructor() {
    super('the stop of a removed member’s unsent copies');
  }

  /** Skips them, in the caller's transaction; returns how many. */
  stopFor(manager: EntityManager, memberId: string): Promise<number> {
    return this.ask(manager, memberId);
  }
}
