import { Inject, Injectable } from '@nestjs/common';
import { SETTINGS, Settings } from '@cordon/config';
import { ListKey } from '@cordon/crypto';
import { protectedMultipart } from '@cordon/delivery';
import { sealPost } from '../fan-out';
import { Sealed, Selected } from './post-state';
import { PostStage, proceed, Verdict } from './post-stage';

/** 5. seal: sign with the list key and encrypt once; each member's key packet comes at enqueue. */
@Injectable()
export class SealStage implements PostStage<Selected, Sealed> {
  readonly name = 'seal';

  constructor(
    private readonly listKey: ListKey,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async run(post: Selected): Promise<Verdict<Sealed>> {
    const { opened } = post;
    const [local, domain] = this.settings.LIST_ADDRESS.split('@');
    // The maintainer's signed entity, unchanged, is the one part inside the protected headers.
    const content = protectedMultipart(
      {
        subject: opened.subject,
        from: opened.from,
        to: this.settings.LIST_ADDRESS,
        date: opened.date ?? opened.signedAt,
        messageId: opened.messageId,
        listId: `${this.settings.LIST_NAME} <${local}.${domain}>`,
      },
      [opened.content],
    );
    return proceed({ ...post, sealed: await sealPost(content, await this.listKey.secretKey()) });
  }
}
