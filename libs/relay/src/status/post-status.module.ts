import { Module } from '@nestjs/common';
import { EmbargoModule } from '@cordon/embargo';
import { LinkPostToEmbargo } from './link-post-to-embargo';
import { PostStatusQueries } from './post-status';

/** The relay as the web app sees it: per-post delivery status, and linking posts to embargoes. */
@Module({
  imports: [EmbargoModule],
  providers: [PostStatusQueries, LinkPostToEmbargo],
  exports: [PostStatusQueries, LinkPostToEmbargo],
})
export class PostStatusModule {}
