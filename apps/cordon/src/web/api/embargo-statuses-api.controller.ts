import { Body, Controller, Get, Param, ParseUUIDPipe, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, MaxLength } from 'class-validator';
import { memberEmbargoStatuses, MemberEmbargoStatusKind, SetMemberEmbargoStatus, StatusMatrix } from '@cordon/embargo';
import { ApiTokenGuard, CurrentApiMaintainer } from './auth';

const ROW_DOC =
  '{ memberId, organisation, email, inAudience, status (null: no answer), fixedVersion, publishAt (ISO 8601), ' +
  'publishesEarly (a moment before the public one), via (self_service | mail | api), updatedAt }';

/** PUT /api/embargoes/{id}/statuses/{memberId}: a member's status, stated for it by a maintainer. */
export class SetEmbargoStatusDto {
  @ApiProperty({ enum: memberEmbargoStatuses })
  @IsIn(memberEmbargoStatuses)
  status!: MemberEmbargoStatusKind;

  @ApiPropertyOptional({
    description: "With 'fixed': the version that fixes it, as the package names it.",
    maxLength: 64,
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  fixedVersion?: string;

  @ApiPropertyOptional({
    description: "With 'will_publish': when the member will publish, RFC 3339 with its offset.",
    format: 'date-time',
    example: '2027-01-10T14:00:00+01:00',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  publishAt?: string;
}

/**
 * Each member's status per embargo (issue 14), as vendors state theirs: the matrix of who in the
 * audience answered what and who has not, and a maintainer stating a member's status for it (as
 * the member told it by other means). The domain checks the audience, the embargo running and the
 * values, audits the change, and answers a problem naming the field.
 */
@ApiTags('embargoes')
@ApiBearerAuth()
@UseGuards(ApiTokenGuard)
@Controller('api/embargoes')
export class EmbargoStatusesApiController {
  constructor(
    private readonly matrix: StatusMatrix,
    private readonly setStatus: SetMemberEmbargoStatus,
  ) {}

  @Get(':id/statuses')
  @ApiOkResponse({
    description: `{ embargoId, answered, unanswered, rows: [${ROW_DOC}] }, those without an answer first.`,
  })
  async statuses(@Param('id', ParseUUIDPipe) id: string) {
    return this.matrix.of(id);
  }

  @Put(':id/statuses/:memberId')
  @ApiOkResponse({ description: `The member's row after the change: ${ROW_DOC}` })
  async set(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('memberId', ParseUUIDPipe) memberId: string,
    @Body() dto: SetEmbargoStatusDto,
    @CurrentApiMaintainer() maintainer: { id: string },
  ) {
    const publishAt = dto.publishAt === undefined ? null : new Date(dto.publishAt);
    await this.setStatus.execute(id, memberId, { ...dto, publishAt }, 'api', `maintainer:${maintainer.id}`);
    return (await this.matrix.of(id)).rows.find((row) => row.memberId === memberId);
  }
}
