import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AnswerFromAbove } from '@cordon/persistence';

/** A copy of list mail held for a member until it acknowledges the current policy. */
export interface HeldCopy {
  id: string;
  postId: string;
  memberId: string;
  /** The post's embargo, or null when it names none. */
  embargoId: string | null;
  /** Its key packet was made at fan-out, so it can go out without more cryptography. */
  sealed: boolean;
}

/** What HeldMail asks of the copies' owner; each question answers with the copies it concerns. */
export type HeldCopiesQuestion =
  | { find: { memberId: string } | { embargoId: string } }
  | { release: string[] }
  | { withdraw: string[]; reason: string };

/**
 * The held copies of list mail, which HeldMail releases or withdraws. They are the relay's, which
 * sits above embargo (docs/architecture.md, Layout): the relay provides the answers as its module
 * is built (RelayAnswers), and embargo never reads or writes its tables. Each runs in the
 * caller's transaction.
 */
@Injectable()
export class HeldCopies extends AnswerFromAbove<[EntityManager, HeldCopiesQuestion], HeldCopy[]> {
  constructor() {
    super('the held copies of list mail');
  }

  /** The copies still held for this member, locked until the transaction ends. */
  heldFor(manager: EntityManager, memberId: string): Promise<HeldCopy[]> {
    return this.ask(manager, { find: { memberId } });
  }

  /** The copies still held of the posts under this embargo, locked until the transaction ends. */
  heldUnder(manager: EntityManager, embargoId: string): Promise<HeldCopy[]> {
    return this.ask(manager, { find: { embargoId } });
  }

  /** Queues these copies for delivery, those still held and sealed; returns those released. */
  release(manager: EntityManager, ids: string[]): Promise<HeldCopy[]> {
    return ids.length ? this.ask(manager, { release: ids }) : Promise.resolve([]);
  }

  /** Skips these copies for good, those still held, recording why; returns those withdrawn. */
  withdraw(manager: EntityManager, ids: string[], reason: string): Promise<HeldCopy[]> {
    return ids.length ? this.ask(manager, { withdraw: ids, reason }) : Promise.resolve([]);
  }
}
