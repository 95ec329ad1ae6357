import { Module } from '@nestjs/common';
import { EmbargoModule } from '@cordon/embargo';
import { LinkPostToEmbargo } from './link-post-to-embargo';
import { PostStatusQueries } from './post-status';
import { RelayAnswersModule } from './relay-answers.module';

/** The relay as the web app sees it: per-post delivery status, and linking posts to embargoes. */
@Module({
  imports: [EmbargoModule, RelayAnswersModule],
  providers: [PostStatusQueries, LinkPostToEmbargo],
  exports: [PostStatusQueries, LinkPostToEmbargo],
})
export class PostStatusModule {}
