import { Injectable } from '@nestjs/common';
import { AcknowledgementFollowUps, PolicyReaders } from '@cordon/policy';
import { HeldMail } from './held-mail';
import { RecipientSelector } from './recipients';

/**
 * What the policy lib, below this one (docs/architecture.md, Layout), leaves to embargo: list mail
 * held for a member goes out once it acknowledges the version in force (HeldMail), and a new
 * version is mailed to every active member whose key can be encrypted to (RecipientSelector: after
 * a publish nobody has acknowledged it, so all of them are among the held). Registered as the
 * module is built; each runs inside the transaction of the acknowledgement or the publish.
 */
@Injectable()
export class EmbargoPolicyFollowUps {
  constructor(
    followUps: AcknowledgementFollowUps,
    readers: PolicyReaders,
    heldMail: HeldMail,
    selector: RecipientSelector,
  ) {
    followUps.register(async (manager, { memberId, current }) =>
      current ? (await heldMail.releaseFor(manager, memberId)).released : 0,
    );
    readers.provide(async (manager) => {
      const { recipients, held } = await selector.select(manager);
      return [...recipients, ...held].map((member) => ({ email: member.email, keyArmored: member.key.armor() }));
    });
  }
}
