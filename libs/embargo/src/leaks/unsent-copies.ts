import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

export type UnsentCopiesStop = (manager: EntityManager, memberId: string) => Promise<number>;

/**
 * The copies of list mail not yet sent to a member (pending, or held for an acknowledgement),
 * which ConfirmLeak stops when it removes the member for good. They are the relay's, which sits
 * above embargo (docs/architecture.md, Layout): the relay provides the stop here as its module is
 * built, and embargo never writes its tables.
 */
@Injectable()
export class UnsentCopies {
  private stop?: UnsentCopiesStop;

  provide(stop: UnsentCopiesStop): void {
    if (this.stop) throw new Error('The stop of unsent copies is already provided.');
    this.stop = stop;
  }

  /** Skips them, in the caller's transaction; returns how many. Refuses when no lib provided the stop. */
  stopFor(manager: EntityManager, memberId: string): Promise<number> {
    if (!this.stop) throw new Error('No lib stops a removed member’s copies: import the relay’s RelayAnswersModule.');
    return this.stop(manager, memberId);
  }
}
