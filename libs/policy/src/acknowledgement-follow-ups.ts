import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { PolicyVersion } from './policy-version.entity';

/** A member's acknowledgement of a version; `current`: the version is the one in force. */
export interface Acknowledgement {
  memberId: string;
  policy: PolicyVersion;
  current: boolean;
}

/** What another lib does when a member acknowledges a version; a number is how many held list copies it released. */
export type AcknowledgementFollowUp = (
  manager: EntityManager,
  acknowledgement: Acknowledgement,
) => Promise<number | void>;

/**
 * The policy lib sits below membership and embargo (docs/architecture.md, Layout), so it never calls
 * them: what they do when a member acknowledges a version (membership records the version on the
 * member, embargo releases the mail held for it) they register here as their modules are built, and
 * Policies runs each inside the transaction of the acknowledgement.
 */
@Injectable()
export class AcknowledgementFollowUps {
  private readonly followUps: AcknowledgementFollowUp[] = [];

  register(followUp: AcknowledgementFollowUp): void {
    this.followUps.push(followUp);
  }

  /** Runs every follow-up in order; returns how many held list copies they released together. */
  async run(manager: EntityManager, acknowledgement: Acknowledgement): Promise<number> {
    let released = 0;
    for (const followUp of this.followUps) released += (await followUp(manager, acknowledgement)) ?? 0;
    return released;
  }
}
