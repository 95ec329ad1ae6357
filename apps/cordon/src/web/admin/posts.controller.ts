import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { EmbargoQueries } from '@cordon/embargo';
import { DomainError } from '@cordon/errors';
import { LinkPostToEmbargo, PostStatusQueries } from '@cordon/relay';
import { firstErrors } from './admin-forms';
import { AdminUser, CurrentMaintainer, MaintainerSessionGuard } from './auth';

const linkForm = z.object({ embargoId: z.uuid('Choose an embargo.') });

/** Posts relayed to the list, per member whether the copy was delivered, and the embargo of each. */
@ApiExcludeController()
@UseGuards(MaintainerSessionGuard)
@Controller('admin/posts')
export class AdminPostsController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly posts: PostStatusQueries,
    private readonly embargoes: EmbargoQueries,
    private readonly linkPost: LinkPostToEmbargo,
  ) {}

  @Get()
  async list(@CurrentMaintainer() admin: AdminUser, @Res() res: Response) {
    res.render('admin/posts', { title: 'Posts', admin, posts: await this.posts.list() });
  }

  @Get(':id')
  async show(@Param('id', ParseUUIDPipe) id: string, @CurrentMaintainer() admin: AdminUser, @Res() res: Response) {
    await this.render(res, id, admin, {});
  }

  /** A post sent without an `[EMB-n]` tag is linked to its embargo afterwards. */
  @Post(':id/embargo')
  async link(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, unknown>,
    @CurrentMaintainer() admin: AdminUser,
    @Res() res: Response,
  ) {
    const parsed = linkForm.safeParse({ embargoId: String(body?.embargoId ?? '') });
    if (!parsed.success) return this.render(res, id, admin, firstErrors(parsed.error), 400);
    try {
      await this.dataSource.transaction((manager) => this.linkPost.link(manager, id, parsed.data.embargoId, admin.id));
    } catch (error) {
      if (!(error instanceof DomainError) || !['invalid', 'conflict'].includes(error.kind)) throw error;
      return this.render(res, id, admin, { embargoId: error.message }, error.kind === 'invalid' ? 400 : 409);
    }
    res.redirect(303, `/admin/posts/${id}`);
  }

  private async render(res: Response, id: string, admin: AdminUser, errors: object, status = 200) {
    const { post, copies } = await this.posts.get(id);
    const activeEmbargoes = post.embargo ? [] : await this.embargoes.list('active');
    res.status(status).render('admin/post', { title: post.subject, admin, post, copies, activeEmbargoes, errors });
  }
}
