import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SETTINGS, Settings } from '@cordon/config';
import { ActiveTag, embargoNumberIn, EmbargoTags } from '@cordon/embargo';
import { Authorised, Linked } from './post-state';
import { PostStage, proceed, Refusal, refuse, Verdict } from './post-stage';

/**
 * 3. link to embargo: a post whose subject carries `[EMB-n]` belongs to embargo n (issue 5). A tag
 * that names no embargo is a mistake (a typo, a thread from another list) that would leave the
 * post outside its embargo's record and clock: refused, so that the maintainer resends it rightly.
 * A post with no tag at all is refused too unless UNTAGGED_POSTS=relay (README, "Terms in every
 * copy"): the maintainers are told which tags exist, in their encrypted refusal report.
 */
@Injectable()
export class LinkEmbargoStage implements PostStage<Authorised, Linked> {
  readonly name = 'link to embargo';

  constructor(
    private readonly dataSource: DataSource,
    private readonly embargoes: EmbargoTags,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async run(post: Authorised): Promise<Verdict<Linked>> {
    const number = embargoNumberIn(post.opened.subject);
    if (number === null) {
      if (this.settings.UNTAGGED_POSTS === 'relay') return proceed({ ...post, embargo: null });
      return refuse(untagged(await this.embargoes.active(this.dataSource.manager)));
    }
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

/** At most this many tags are listed in a refusal; beyond them, how many more. */
const TAGS_LISTED = 50;

/**
 * The refusal of an untagged post, naming the active embargoes' tags and titles to pick from. Its
 * words reach only the maintainers, encrypted (RelayNotices: the sender of a post is a maintainer).
 */
function untagged(active: ActiveTag[]): Refusal {
  const which = active.length
    ? [
        `The active embargoes are:`,
        ...active.slice(0, TAGS_LISTED).map((tag) => `  [EMB-${tag.number}] ${tag.title}`),
        ...(active.length > TAGS_LISTED ? [`  (and ${active.length - TAGS_LISTED} more: see the admin pages)`] : []),
      ]
    : ['No embargo is active: record one first (admin pages or API), then tag the post with its [EMB-n].'];
  return {
    code: 'UNTAGGED_POST',
    message: [
      'The subject names no embargo: this list relays only posts tagged [EMB-n] (UNTAGGED_POSTS=refuse). Put the tag of the embargo the post belongs to in its subject and send it again.',
      ...which,
    ].join('\n'),
  };
}
