import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AnswerFromAbove } from '@cordon/persistence';

/**
 * The maintainers' names shown beside the versions they published (PolicyHistory). The
 * maintainers lib sits above the policy lib (docs/architecture.md, Layout), so it provides the
 * names as its module is built (MaintainerDirectoryAnswers); without it a version shows its
 * publisher as the actor recorded (`maintainer:<id>`), as one published by `cli` or `system` does.
 */
@Injectable()
export class PublisherNames extends AnswerFromAbove<[EntityManager, string[]], Map<string, string>> {
  constructor() {
    super('the publishers’ names');
  }

  /** The names of the audit actors given (`maintainer:<id>`) that it knows, by actor. */
  of(manager: EntityManager, actors: string[]): Promise<Map<string, string>> {
    return this.provided ? this.ask(manager, actors) : Promise.resolve(new Map());
  }
}
