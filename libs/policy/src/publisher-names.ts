import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/** The names of the audit actors given (`maintainer:<id>`) that it knows, by actor. */
export type ActorNameSource = (manager: EntityManager, actors: string[]) => Promise<Map<string, string>>;

/**
 * The maintainers' names shown beside the versions they published (PolicyHistory). The
 * maintainers lib sits above the policy lib (docs/architecture.md, Layout), so it provides the
 * names here as its module is built; without it a version shows its publisher as the actor
 * recorded (`maintainer:<id>`), as one published by `cli` or `system` does.
 */
@Injectable()
export class PublisherNames {
  private source?: ActorNameSource;

  provide(source: ActorNameSource): void {
    if (this.source) throw new Error('The publishers’ names are already provided.');
    this.source = source;
  }

  async of(manager: EntityManager, actors: string[]): Promise<Map<string, string>> {
    return this.source ? this.source(manager, actors) : new Map();
  }
}
