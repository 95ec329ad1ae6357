import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

export type PostsExistSource = (manager: EntityManager) => Promise<boolean>;

/**
 * Whether the list has relayed any post, for ImportList: a list key that posts were sealed with is
 * replaced only when asked. Posts are the relay's, which sits above membership
 * (docs/architecture.md, Layout): the relay provides the answer here as its module is built, and
 * membership never reads its tables.
 */
@Injectable()
export class PostsOnRecord {
  private source?: PostsExistSource;

  provide(source: PostsExistSource): void {
    if (this.source) throw new Error('Whether posts exist is already provided.');
    this.source = source;
  }

  /** Refuses when no lib provided the answer: a list key in use must not be replaced unasked. */
  anyExist(manager: EntityManager): Promise<boolean> {
    if (!this.source) throw new Error('No lib tells whether posts exist: import the relay’s RelayAnswersModule.');
    return this.source(manager);
  }
}
