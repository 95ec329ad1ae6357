import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AnswerFromAbove } from '@cordon/persistence';

/**
 * Whether the list has relayed any post, for ImportList: a list key that posts were sealed with is
 * replaced only when asked. Posts are the relay's, which sits above membership
 * (docs/architecture.md, Layout): the relay provides the answer as its module is built
 * (RelayAnswers), and membership never reads its tables.
 */
@Injectable()
export class PostsOnRecord extends AnswerFromAbove<[EntityManager], boolean> {
  constructor() {
    super('whether posts exist');
  }

  anyExist(manager: EntityManager): Promise<boolean> {
    return this.ask(manager);
  }
}
