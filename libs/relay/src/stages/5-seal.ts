import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SETTINGS, Settings } from '@cordon/config';
import { ListKey } from '@cordon/crypto';
import { protectedMultipart } from '@cordon/delivery';
import { EmbargoTags } from '@cordon/embargo';
import { CurrentPolicyVersion } from '@cordon/policy';
import { PostTerms, postTerms, sealPost, termsPart } from '../fan-out';
import { Sealed, Selected } from './post-state';
import { PostStage, proceed, Verdict } from './post-stage';

/**
 * 5. seal: sign with the list key and encrypt once; each member's key packet comes at enqueue. A
 * post of an embargo that has not ended carries its terms inside the encryption (README, "Terms in
 * every copy"): protected header fields and a human line before the maintainer's entity.
 */
@Injectable()
export class SealStage implements PostStage<Selected, Sealed> {
  readonly name = 'seal';
  private readonly policy = new CurrentPolicyVersion();

  constructor(
    private readonly dataSource: DataSource,
    private readonly listKey: ListKey,
    private readonly embargoes: EmbargoTags,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async run(post: Selected): Promise<Verdict<Sealed>> {
    const { opened } = post;
    const [local, domain] = this.settings.LIST_ADDRESS.split('@');
    const terms = await this.termsOf(post);
    // The maintainer's signed entity, unchanged, is the last part inside the protected headers.
    const content = protectedMultipart(
      {
        subject: opened.subject,
        from: opened.from,
        to: this.settings.LIST_ADDRESS,
        date: opened.date ?? opened.signedAt,
        messageId: opened.messageId,
        listId: `${this.settings.LIST_NAME} <${local}.${domain}>`,
        extra: terms?.headers,
      },
      terms ? [termsPart(terms), opened.content] : [opened.content],
    );
    return proceed({ ...post, sealed: await sealPost(content, await this.listKey.secretKey()) });
  }

  /** The terms of the post's embargo while it runs; none for an untagged post or one that has ended. */
  private async termsOf(post: Selected): Promise<PostTerms | null> {
    if (!post.embargo || post.embargo.ended) return null;
    const manager = this.dataSource.manager;
    const embargo = await this.embargoes.terms(manager, post.embargo.id);
    return embargo ? postTerms(embargo, await this.policy.of(manager)) : null;
  }
}
