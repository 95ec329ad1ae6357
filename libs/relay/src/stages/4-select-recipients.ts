import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EmbargoAudiences, RecipientSelector } from '@cordon/embargo';
import { Linked, Selected } from './post-state';
import { PostStage, proceed, Verdict } from './post-stage';

/**
 * 4. select recipients: the members of invariant 2, and who is skipped and why. One module
 * decides (the embargo lib's RecipientSelector); this stage only asks it.
 */
@Injectable()
export class SelectRecipientsStage implements PostStage<Linked, Selected> {
  readonly name = 'select recipients';
  private readonly audiences = new EmbargoAudiences();

  constructor(
    private readonly dataSource: DataSource,
    private readonly selector: RecipientSelector,
  ) {}

  async run(post: Linked): Promise<Verdict<Selected>> {
    // With the post's embargo: its audience only, and one that has ended holds nothing for a later
    // acknowledgement. Its circumstances are read in the selection's transaction, as they are now.
    const selection = await this.dataSource.transaction(async (manager) =>
      this.selector.select(manager, new Date(), post.embargo && (await this.audiences.of(manager, post.embargo.id))),
    );
    return proceed({ ...post, selection });
  }
}
