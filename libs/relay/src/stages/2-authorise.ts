import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { POST_REPLAYED } from '../refusals/refusal-catalogue';
import { Authorised, Opened } from './post-state';
import { PostStage, proceed, refuse, Verdict } from './post-stage';

/**
 * 2. authorise: the post is relayed for the maintainer whose signature opened it, and a signature
 * relayed once is never relayed again (replay). Two copies racing past this check meet on the
 * post's unique signature digest at enqueue.
 */
@Injectable()
export class AuthoriseStage implements PostStage<Opened, Authorised> {
  readonly name = 'authorise';

  constructor(private readonly dataSource: DataSource) {}

  async run(post: Opened): Promise<Verdict<Authorised>> {
    const seen = (await this.dataSource.query('SELECT 1 FROM post WHERE signature_digest = $1', [
      post.opened.signatureDigest,
    ])) as unknown[];
    if (seen.length) return refuse(POST_REPLAYED);
    return proceed({ ...post, maintainerId: post.opened.maintainerId });
  }
}
