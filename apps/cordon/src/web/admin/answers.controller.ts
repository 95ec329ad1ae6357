import { Controller, Get, Param, ParseUUIDPipe, Post, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { DomainError } from '@cordon/errors';
import { MemberAnswerQueries, ReleaseMemberAnswer } from '@cordon/relay';
import { AdminUser, CurrentMaintainer, MaintainerSessionGuard } from './auth';

/**
 * Members' answers (issue 5, "Members answer"): mailed signed and encrypted to the list or -owner
 * address, they reached the maintainers only; here a maintainer reads one and may release it to
 * the whole list, once.
 */
@ApiExcludeController()
@UseGuards(MaintainerSessionGuard)
@Controller('admin/answers')
export class AdminAnswersController {
  constructor(
    private readonly answers: MemberAnswerQueries,
    private readonly release: ReleaseMemberAnswer,
  ) {}

  @Get()
  async list(@CurrentMaintainer() admin: AdminUser, @Res() res: Response) {
    res.render('admin/answers', { title: 'Answers', admin, answers: await this.answers.list() });
  }

  @Get(':id')
  async show(@Param('id', ParseUUIDPipe) id: string, @CurrentMaintainer() admin: AdminUser, @Res() res: Response) {
    await this.renderOne(res, id, admin, {});
  }

  @Post(':id/release')
  async releaseToList(
    @Param('id', ParseUUIDPipe) id: string,
    @CurrentMaintainer() admin: AdminUser,
    @Res() res: Response,
  ) {
    try {
      await this.release.execute(id, admin.id);
    } catch (error) {
      if (!(error instanceof DomainError) || error.kind !== 'conflict') throw error;
      return this.renderOne(res, id, admin, { form: error.message }, 409);
    }
    res.redirect(303, `/admin/answers/${id}`);
  }

  private async renderOne(res: Response, id: string, admin: AdminUser, errors: object, status = 200) {
    const answer = await this.answers.get(id);
    res.status(status).render('admin/answer', { title: answer.subject || 'Answer', admin, answer, errors });
  }
}
