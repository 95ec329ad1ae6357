import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AnswerFromAbove } from '@cordon/persistence';

/** A member to be told of a new version: its address, and the key the notice is encrypted to. */
export interface PolicyReader {
  email: string;
  keyArmored: string;
}

/**
 * Who is told when a version is published: every active member whose key can be encrypted to.
 * Members live above the policy lib (docs/architecture.md, Layout), so the lib that knows them
 * provides the answer as its module is built (EmbargoPolicyFollowUps); PublishPolicy asks it in
 * its own transaction, and a version is never published untold.
 */
@Injectable()
export class PolicyReaders extends AnswerFromAbove<[EntityManager], PolicyReader[]> {
  constructor() {
    super('the readers of the Embargo Policy');
  }

  of(manager: EntityManager): Promise<PolicyReader[]> {
    return this.ask(manager);
  }
}
