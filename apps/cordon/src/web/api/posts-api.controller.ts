import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { LinkPostToEmbargo, PostStatusQueries } from '@cordon/relay';
import { LinkPostDto } from './api-dtos';
import { ApiTokenGuard, CurrentApiMaintainer } from './auth';

@ApiTags('posts')
@ApiBearerAuth()
@UseGuards(ApiTokenGuard)
@Controller('api/posts')
export class PostsApiController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly posts: PostStatusQueries,
    private readonly linkPost: LinkPostToEmbargo,
  ) {}

  @Get()
  async list() {
    return { posts: await this.posts.list() };
  }

  /** Delivery status of one post, per member: delivered / pending / held / failed / skipped. */
  @Get(':id')
  async get(@Param('id', ParseUUIDPipe) id: string) {
    return this.posts.get(id);
  }

  /** Links a post sent without an `[EMB-n]` tag to its embargo; a post is linked once. */
  @Post(':id/embargo')
  @HttpCode(200)
  async link(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: LinkPostDto,
    @CurrentApiMaintainer() maintainer: { id: string },
  ) {
    await this.dataSource.transaction((manager) => this.linkPost.link(manager, id, dto.embargoId, maintainer.id));
    return (await this.posts.get(id)).post;
  }
}
