import { Inject, Injectable } from '@nestjs/common';
import { PublicKey } from 'openpgp';
import { DataSource } from 'typeorm';
import { SETTINGS, Settings } from '@cordon/config';
import { ListKey, readOneKey } from '@cordon/crypto';
import { PostingMaintainerKeys } from '@cordon/maintainers';
import { openPost, PostRefusal } from '../open';
import { Opened, Stored } from './post-state';
import { PostStage, proceed, refuse, Verdict } from './post-stage';

/**
 * 1. open: decrypt with the list key and verify the signature of a maintainer who may post
 * (invariant 3; PostingMaintainerKeys says who), with bounded work per message.
 */
@Injectable()
export class OpenStage implements PostStage<Stored, Opened> {
  readonly name = 'open';

  constructor(
    private readonly dataSource: DataSource,
    private readonly listKey: ListKey,
    private readonly maintainerKeys: PostingMaintainerKeys,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async run(post: Stored): Promise<Verdict<Opened>> {
    const maintainers = await this.postingKeys();
    try {
      const opened = await openPost(post.inbound.raw, {
        listKey: await this.listKey.secretKey(),
        maintainers,
        now: new Date(),
        maxAgeDays: this.settings.POST_MAX_AGE_DAYS,
      });
      return proceed({ ...post, opened });
    } catch (error) {
      if (error instanceof PostRefusal) return refuse({ code: error.code, message: error.message });
      // Anything unexpected while reading hostile input is a refusal too: never relay on doubt.
      return refuse({ code: 'UNREADABLE', message: 'The message could not be read as an encrypted, signed post.' });
    }
  }

  private async postingKeys(): Promise<{ id: string; key: PublicKey }[]> {
    const keys: { id: string; key: PublicKey }[] = [];
    for (const { maintainerId, keyArmored } of await this.maintainerKeys.list(this.dataSource.manager)) {
      try {
        keys.push({ id: maintainerId, key: (await readOneKey(keyArmored)) as PublicKey });
      } catch {
        // a maintainer key that no longer parses signs nothing
      }
    }
    return keys;
  }
}
