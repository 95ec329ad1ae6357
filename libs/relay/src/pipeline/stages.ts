import { Inject, Injectable } from '@nestjs/common';
import { PublicKey } from 'openpgp';
import { DataSource } from 'typeorm';
import { SETTINGS, Settings } from '@cordon/config';
import { protectedMultipart } from '@cordon/delivery';
import { ListKey, readOneKey } from '@cordon/crypto';
import { RecipientSelector } from '@cordon/embargo';
import { sealPost } from '../fan-out';
import { openPost, PostRefusal } from '../open';
import { PostInProgress, PostStage, proceed, refuse, Verdict } from './post-stages';

/**
 * open: decrypt with the list key and verify a maintainer's signature (invariant 3). A maintainer
 * may post from the moment the operator adds its key (`invited`), enrolled in the admin UI or not:
 * a list run by mail alone has maintainers who never sign in.
 */
@Injectable()
export class OpenStage implements PostStage {
  readonly name = 'open';

  constructor(
    private readonly dataSource: DataSource,
    private readonly listKey: ListKey,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async run(post: PostInProgress): Promise<Verdict> {
    const maintainers = await this.activeMaintainerKeys();
    try {
      post.opened = await openPost(post.inbound.raw, {
        listKey: await this.listKey.secretKey(),
        maintainers,
        now: new Date(),
        maxAgeDays: this.settings.POST_MAX_AGE_DAYS,
      });
      return proceed;
    } catch (error) {
      if (error instanceof PostRefusal) return refuse(error.code, error.message);
      // Anything unexpected while reading hostile input is a refusal too: never relay on doubt.
      return refuse('UNREADABLE', 'The message could not be read as an encrypted, signed post.');
    }
  }

  private async activeMaintainerKeys(): Promise<{ id: string; key: PublicKey }[]> {
    const rows = (await this.dataSource.query(
      `SELECT id, key_armored FROM maintainer WHERE status IN ('invited', 'active')`,
    )) as {
      id: string;
      key_armored: string;
    }[];
    const keys: { id: string; key: PublicKey }[] = [];
    for (const row of rows) {
      try {
        keys.push({ id: row.id, key: (await readOneKey(row.key_armored)) as PublicKey });
      } catch {
        // a maintainer key that no longer parses signs nothing
      }
    }
    return keys;
  }
}

/** authorise: a signature relayed once is never relayed again (replay). */
@Injectable()
export class ReplayStage implements PostStage {
  readonly name = 'refuse replays';

  constructor(private readonly dataSource: DataSource) {}

  async run(post: PostInProgress): Promise<Verdict> {
    const seen = (await this.dataSource.query('SELECT 1 FROM post WHERE signature_digest = $1', [
      post.opened!.signatureDigest,
    ])) as unknown[];
    return seen.length
      ? refuse('REPLAYED', 'This signed post was relayed before; a signature is relayed only once.')
      : proceed;
  }
}

/** select recipients: the active members of invariant 2, and who is skipped and why. */
@Injectable()
export class SelectRecipientsStage implements PostStage {
  readonly name = 'select recipients';

  constructor(
    private readonly dataSource: DataSource,
    private readonly selector: RecipientSelector,
  ) {}

  async run(post: PostInProgress): Promise<Verdict> {
    post.selection = await this.dataSource.transaction((manager) => this.selector.select(manager));
    return proceed;
  }
}

/** seal: sign with the list key and encrypt once; each member's key packet comes at enqueue. */
@Injectable()
export class SealStage implements PostStage {
  readonly name = 'seal';

  constructor(
    private readonly listKey: ListKey,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async run(post: PostInProgress): Promise<Verdict> {
    const opened = post.opened!;
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
    post.sealed = await sealPost(content, await this.listKey.secretKey());
    return proceed;
  }
}
