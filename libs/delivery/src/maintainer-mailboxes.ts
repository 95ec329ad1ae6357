import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AnswerFromAbove } from '@cordon/persistence';

/** Where a maintainer is written to: its address and the key its mail is encrypted to. */
export interface Mailbox {
  email: string;
  keyArmored: string;
}

/**
 * Who hears the mail meant for the maintainers (Outbox.sendToMaintainers). The maintainers lib sits
 * above delivery (docs/architecture.md, Layout), so delivery never reads its table: the
 * maintainers lib provides the answer as its module is built (MaintainerDirectoryAnswers).
 */
@Injectable()
export class MaintainerMailboxes extends AnswerFromAbove<[EntityManager], Mailbox[]> {
  constructor() {
    super('the maintainers’ mailboxes');
  }

  of(manager: EntityManager): Promise<Mailbox[]> {
    return this.ask(manager);
  }
}
