import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { DomainError } from '@cordon/errors';
import {
  ApplicationReviewQueries,
  ApplicationStatus,
  applicationStatuses,
  CommentOnApplication,
  DecideApplication,
  Decision,
} from '@cordon/membership';
import { CommentDto, DecisionDto, StatusFilterDto } from './api-dtos';
import { ApiTokenGuard, CurrentApiMaintainer } from './auth';

@ApiTags('applications')
@ApiBearerAuth()
@UseGuards(ApiTokenGuard)
@Controller('api/applications')
export class ApplicationsApiController {
  constructor(
    private readonly queries: ApplicationReviewQueries,
    private readonly decide: DecideApplication,
    private readonly comment: CommentOnApplication,
  ) {}

  @Get()
  async list(@Query() query: StatusFilterDto) {
    if (query.status && !applicationStatuses.includes(query.status as ApplicationStatus)) {
      throw new DomainError('INVALID_INPUT', `status must be one of: ${applicationStatuses.join(', ')}`);
    }
    return { applications: await this.queries.queue(query.status as ApplicationStatus | undefined) };
  }

  @Get(':id')
  async get(@Param('id', ParseUUIDPipe) id: string) {
    const review = await this.queries.review(id);
    const { keyArmored: _key, statusTokenHash: _hash, ...application } = review.application;
    return { ...review, application };
  }

  @Post(':id/decision')
  @HttpCode(200)
  async decision(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: DecisionDto,
    @CurrentApiMaintainer() maintainer: { id: string },
  ) {
    const decision: Decision =
      dto.decision === 'approve'
        ? { kind: 'approve', withoutVouch: dto.reason }
        : dto.decision === 'reject'
          ? { kind: 'reject', reason: dto.reason! }
          : { kind: 'request_info', question: dto.question! };
    const application = await this.decide.execute(id, decision, maintainer.id);
    return { id: application.id, status: application.status, memberId: application.memberId };
  }

  @Post(':id/comments')
  async addComment(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: CommentDto,
    @CurrentApiMaintainer() maintainer: { id: string },
  ) {
    await this.comment.execute(id, maintainer.id, dto.body);
    return { ok: true };
  }
}
