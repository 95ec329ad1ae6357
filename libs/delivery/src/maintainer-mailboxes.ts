import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/** Where a maintainer is written to: its address and the key its mail is encrypted to. */
export interface Mailbox {
  email: string;
  keyArmored: string;
}

export type MailboxSource = (manager: EntityManager) => Promise<Mailbox[]>;

/**
 * Who hears the mail meant for the maintainers (Outbox.sendToMaintainers). The maintainers lib sits
 * above delivery (docs/architecture.md, Layout), so delivery never reads its table: the
 * maintainers lib provides the answer here as its module is built.
 */
@Injectable()
export class MaintainerMailboxes {
  private source?: MailboxSource;

  provide(source: MailboxSource): void {
    if (this.source) throw new Error('The maintainers’ mailboxes are already provided.');
    this.source = source;
  }

  /** Refuses when nobody provided them: mail for the maintainers must never go nowhere unnoticed. */
  of(manager: EntityManager): Promise<Mailbox[]> {
    if (!this.source) {
      throw new Error(
        'No lib provides the maintainers’ mailboxes: import the maintainers lib (MaintainerDirectoryModule).',
      );
    }
    return this.source(manager);
  }
}
