import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DomainError } from '@cordon/errors';

/** A member to be told of a new version: its address, and the key the notice is encrypted to. */
export interface PolicyReader {
  email: string;
  keyArmored: string;
}

export type PolicyReaderSource = (manager: EntityManager) => Promise<PolicyReader[]>;

/**
 * Who is told when a version is published: every active member whose key can be encrypted to.
 * Members live above the policy lib (docs/architecture.md, Layout), so the lib that knows them
 * provides the answer here as its module is built; PublishPolicy asks it in its own transaction.
 */
@Injectable()
export class PolicyReaders {
  private source?: PolicyReaderSource;

  provide(source: PolicyReaderSource): void {
    if (this.source) throw new Error('The readers of the Embargo Policy are already provided.');
    this.source = source;
  }

  /** Refuses when no lib provided them: a version published untold would hold everyone's mail unseen. */
  async of(manager: EntityManager): Promise<PolicyReader[]> {
    if (!this.source) {
      throw new DomainError('WRONG_STATE', 'Cordon cannot tell the members of a new policy version: it is not wired.');
    }
    return this.source(manager);
  }
}
