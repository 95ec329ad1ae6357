import { Controller, Get, Param, ParseUUIDPipe, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { PostStatusQueries } from '@cordon/relay';
import { AdminUser, CurrentMaintainer, MaintainerSessionGuard } from './auth';

/** Posts relayed to the list and, per member, whether the copy was delivered. */
@ApiExcludeController()
@UseGuards(MaintainerSessionGuard)
@Controller('admin/posts')
export class AdminPostsController {
  constructor(private readonly posts: PostStatusQueries) {}

  @Get()
  async list(@CurrentMaintainer() admin: AdminUser, @Res() res: Response) {
    res.render('admin/posts', { title: 'Posts', admin, posts: await this.posts.list() });
  }

  @Get(':id')
  async show(@Param('id', ParseUUIDPipe) id: string, @CurrentMaintainer() admin: AdminUser, @Res() res: Response) {
    const { post, copies } = await this.posts.get(id);
    res.render('admin/post', { title: post.subject, admin, post, copies });
  }
}
