import { Body, Controller, Get, Param, ParseIntPipe, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PolicyAcknowledgements } from '@cordon/membership';
import { Policies, PolicyHistory, PublishPolicy } from '@cordon/policy';
import { ApiTokenGuard, CurrentApiMaintainer } from './auth';
import { AcknowledgementsQueryDto, PublishPolicyDto } from './policy-api-dtos';

/**
 * The Embargo Policy's versions and who acknowledged them (issue 11), as the admin pages show
 * them: every version with its text, publishing the next one (the same use case, checks and
 * encrypted notices to every member as /admin/policy), and each acknowledgement by a member or a
 * person of its team.
 */
@ApiTags('policy')
@ApiBearerAuth()
@UseGuards(ApiTokenGuard)
@Controller('api')
export class PolicyApiController {
  constructor(
    private readonly policies: Policies,
    private readonly history: PolicyHistory,
    private readonly publishPolicy: PublishPolicy,
    private readonly acknowledgements: PolicyAcknowledgements,
  ) {}

  @Get('policy/versions')
  @ApiOperation({ summary: 'Every version, newest first, with who published it and how many members acknowledged it.' })
  async versions() {
    return { versions: await this.history.list() };
  }

  @Get('policy/versions/:version')
  @ApiOperation({ summary: 'One version: its text, and every acknowledgement of it by members and team members.' })
  async version(@Param('version', ParseIntPipe) version: number) {
    const { policy } = await this.history.withPrevious(version);
    const summary = (await this.history.list()).find((v) => v.version === version)!;
    const { members, teamMembers } = await this.acknowledgements.forVersion(version);
    return { ...summary, body: policy.body, acknowledgements: { members, teamMembers } };
  }

  @Post('policy/versions')
  @ApiOperation({
    summary:
      'Publish the next version; every active member is told, encrypted, and its list mail held until it acknowledges.',
  })
  async publish(@Body() dto: PublishPolicyDto, @CurrentApiMaintainer() maintainer: { id: string }) {
    const { policy, membersTold } = await this.publishPolicy.execute(dto.body, dto.basedOn, maintainer.id);
    return { version: policy.version, sha256: policy.sha256, publishedAt: policy.publishedAt, membersTold };
  }

  @Get('acknowledgements')
  @ApiOperation({ summary: 'Who acknowledged a version (the current one by default): members and team members.' })
  async list(@Query() query: AcknowledgementsQueryDto) {
    const version = query.version ?? (await this.policies.current()).version;
    return this.acknowledgements.forVersion(version);
  }
}
