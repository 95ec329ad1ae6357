import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ChangeMaintainerStanding, ListMaintainers, StandingChange } from '@cordon/maintainers';
import { ApiTokenGuard, CurrentApiMaintainer } from './auth';

/**
 * Maintainers come and go: disable, enable, remove another maintainer, or step down. The last
 * active maintainer is refused with 409 (LAST_ACTIVE_MAINTAINER) and nothing changes.
 */
@ApiTags('maintainers')
@ApiBearerAuth()
@UseGuards(ApiTokenGuard)
@Controller('api/maintainers')
export class MaintainersApiController {
  constructor(
    private readonly maintainers: ListMaintainers,
    private readonly changeStanding: ChangeMaintainerStanding,
  ) {}

  @Get()
  async list() {
    return { maintainers: await this.maintainers.execute() };
  }

  @Post('step-down')
  @HttpCode(200)
  @ApiOperation({ summary: 'Disable yourself; this token and all your others stop working at once.' })
  async stepDown(@CurrentApiMaintainer() maintainer: { id: string }) {
    return this.change('step_down', maintainer.id, maintainer.id);
  }

  @Post(':id/disable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Disable a maintainer: signature refused, sessions ended, API tokens revoked, no mail.' })
  async disable(@Param('id', ParseUUIDPipe) id: string, @CurrentApiMaintainer() maintainer: { id: string }) {
    return this.change('disable', id, maintainer.id);
  }

  @Post(':id/enable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Enable a disabled maintainer again (its old API tokens stay revoked).' })
  async enable(@Param('id', ParseUUIDPipe) id: string, @CurrentApiMaintainer() maintainer: { id: string }) {
    return this.change('enable', id, maintainer.id);
  }

  @Post(':id/remove')
  @HttpCode(200)
  @ApiOperation({ summary: 'Remove a maintainer for good, as disable does, erasing its password and TOTP seed.' })
  async remove(@Param('id', ParseUUIDPipe) id: string, @CurrentApiMaintainer() maintainer: { id: string }) {
    return this.change('remove', id, maintainer.id);
  }

  private async change(change: StandingChange, id: string, actorId: string) {
    const done = await this.changeStanding.execute({ change, maintainer: { id }, actor: `maintainer:${actorId}` });
    return { id: done.maintainerId, status: done.status, tokensRevoked: done.tokensRevoked };
  }
}
