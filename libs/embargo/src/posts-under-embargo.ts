import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AnswerFromAbove } from '@cordon/persistence';

/**
 * How many posts were relayed under each embargo, for the reminders (EmbargoReminders). Posts are
 * the relay's, which sits above embargo (docs/architecture.md, Layout): the relay provides the
 * answer as its module is built (RelayAnswers), and embargo never reads its tables.
 */
@Injectable()
export class PostsUnderEmbargo extends AnswerFromAbove<[EntityManager, string[]], Map<string, number>> {
  constructor() {
    super('the number of posts under each embargo');
  }

  /** By embargo id; an embargo with no post has 0. */
  async countOf(manager: EntityManager, embargoIds: string[]): Promise<Map<string, number>> {
    const counts = await this.ask(manager, embargoIds);
    return new Map(embargoIds.map((id) => [id, counts.get(id) ?? 0]));
  }
}
