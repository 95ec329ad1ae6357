import { Injectable } from '@nestjs/common';
import { MaintainerMailboxes } from '@cordon/delivery';
import { PublisherNames } from '@cordon/policy';
import { MaintainerLookup } from './maintainer-lookup';

/**
 * What the maintainers lib answers for the libs below it, which never read its table
 * (docs/architecture.md, Layout): who hears the mail meant for the maintainers (delivery), and
 * the names of the maintainers who published a policy version (policy). Provided as the module is
 * built.
 */
@Injectable()
export class MaintainerDirectoryAnswers {
  constructor(mailboxes: MaintainerMailboxes, publishers: PublisherNames) {
    const lookup = new MaintainerLookup();
    mailboxes.provide((manager) => lookup.mailboxes(manager));
    publishers.provide((manager, actors) => lookup.namesOfActors(manager, actors));
  }
}
