import { Module } from '@nestjs/common';
import { PostStatusQueries } from './post-status';

/** The read side of the relay for the web app: per-post delivery status. */
@Module({ providers: [PostStatusQueries], exports: [PostStatusQueries] })
export class PostStatusModule {}
