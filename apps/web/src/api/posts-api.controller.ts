import { Controller, Get, Param, ParseUUIDPipe, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { PostStatusQueries } from '@cordon/relay';
import { ApiTokenGuard } from './auth';

@ApiTags('posts')
@ApiBearerAuth()
@UseGuards(ApiTokenGuard)
@Controller('api/posts')
export class PostsApiController {
  constructor(private readonly posts: PostStatusQueries) {}

  @Get()
  async list() {
    return { posts: await this.posts.list() };
  }

  /** Delivery status of one post, per member: delivered / pending / failed / skipped. */
  @Get(':id')
  async get(@Param('id', ParseUUIDPipe) id: string) {
    return this.posts.get(id);
  }
}
