import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

export type PostCountSource = (manager: EntityManager, embargoIds: string[]) => Promise<Map<string, number>>;

/**
 * How many posts were relayed under each embargo, for the reminders (EmbargoReminders). Posts are
 * the relay's, which sits above embargo (docs/architecture.md, Layout): the relay provides the
 * answer here as its module is built, and embargo never reads its tables.
 */
@Injectable()
export class PostsUnderEmbargo {
  private source?: PostCountSource;

  provide(source: PostCountSource): void {
    if (this.source) throw new Error('The posts under embargoes are already provided.');
    this.source = source;
  }

  /** By embargo id; an embargo with no post has 0. Refuses when no lib provided the answer. */
  async countOf(manager: EntityManager, embargoIds: string[]): Promise<Map<string, number>> {
    if (!this.source)
      throw new Error('No lib tells how many posts an embargo has: import the relay’s RelayAnswersModule.');
    const counts = await this.source(manager, embargoIds);
    return new Map(embargoIds.map((id) => [id, counts.get(id) ?? 0]));
  }
}
