import { Inject, Injectable } from '@nestjs/common';
import { PublicKey } from 'openpgp';
import { DataSource } from 'typeorm';
import { SETTINGS, Settings } from '@cordon/config';
import { ListKey, readOneKey } from '@cordon/crypto';
import { openPost, PostRefusal } from '../open';
import { Opened, Stored } from './post-state';
import { PostStage, proceed, refuse, Verdict } from './post-stage';

/**
 * 1. open: decrypt with the list key and verify a maintainer's signature (invariant 3), with
 * bounded work per message. A maintainer may post from the moment the operator adds its key
 * (`invited`), enrolled in the admin UI or not: a list run by mail alone has maintainers who
 * never sign in.
 */
@Injectable()
export class OpenStage implements PostStage<Stored, Opened> {
  readonly name = 'open';

  constructor(
    private readonly dataSource: DataSource,
    private readonly listKey: ListKey,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async run(post: Stored): Promise<Verdict<Opened>> {
    const maintainers = await this.activeMaintainerKeys();
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
