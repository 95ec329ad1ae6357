import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { embargoNumberIn, EmbargoTags } from '@cordon/embargo';
import { Authorised, Linked } from './post-state';
import { PostStage, proceed, refuse, Verdict } from './post-stage';

/**
 * 3. link to embargo: a post whose subject carries `[EMB-n]` belongs to embargo n (issue 5). A tag
 * that names no embargo is a mistake (a typo, a thread from another list) that would leave the
 * post outside its embargo's record and clock: refused, so that the maintainer resends it rightly.
 */
@Injectable()
export class LinkEmbargoStage implements PostStage<Authorised, Linked> {
  readonly name = 'link to embargo';

  constructor(
    private readonly dataSource: DataSource,
    private readonly embargoes: EmbargoTags,
  ) {}

  async run(post: Authorised): Promise<Verdict<Linked>> {
    const number = embargoNumberIn(post.opened.subject);
    if (number === null) return proceed({ ...post, embargo: null });
    const embargo = await this.embargoes.named(this.dataSource.manager, number);
    if (!embargo) {
      return refuse({
        code: 'UNKNOWN_EMBARGO',
        message: `The subject names embargo EMB-${number}, which does not exist. Correct the tag (or remove it) and send the post again.`,
      });
    }
    return proceed({ ...post, embargo: { id: embargo.id, ended: embargo.ended } });
  }
}
