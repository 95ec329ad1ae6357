import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { DomainError } from '@cordon/errors';
import { ChangeMemberStatus, MemberQueries, MemberStatus, memberStatuses } from '@cordon/membership';
import { MemberStatusDto, StatusFilterDto } from './api-dtos';
import { ApiTokenGuard, CurrentApiMaintainer } from './auth';

@ApiTags('members')
@ApiBearerAuth()
@UseGuards(ApiTokenGuard)
@Controller('api/members')
export class MembersApiController {
  constructor(
    private readonly members: MemberQueries,
    private readonly changeStatus: ChangeMemberStatus,
  ) {}

  @Get()
  async list(@Query() query: StatusFilterDto) {
    if (query.status && !memberStatuses.includes(query.status as MemberStatus)) {
      throw new DomainError('INVALID_INPUT', `status must be one of: ${memberStatuses.join(', ')}`);
    }
    return { members: await this.members.list(query.status as MemberStatus | undefined) };
  }

  @Get(':id')
  async get(@Param('id', ParseUUIDPipe) id: string) {
    return this.members.get(id);
  }

  @Post(':id/status')
  @HttpCode(200)
  async status(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: MemberStatusDto,
    @CurrentApiMaintainer() maintainer: { id: string },
  ) {
    const member = await this.changeStatus.execute(id, dto.action, dto.reason, maintainer.id);
    return { id: member.id, status: member.status };
  }
}
