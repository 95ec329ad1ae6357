import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import {
  AddMaintainerAsMaintainer,
  ChangeMaintainerStanding,
  ListMaintainers,
  ProposeMaintainerKey,
  StandingChange,
} from '@cordon/maintainers';
import { ApiTokenGuard, CurrentApiMaintainer } from './auth';
import { MaintainerKeyDto, NewMaintainerDto } from './maintainers-api-dtos';

/**
 * Maintainers come and go: add one (with a fresh TOTP code), disable, enable, remove another
 * maintainer, or step down; propose a new key for oneself. The last active maintainer is refused
 * with 409 (LAST_ACTIVE_MAINTAINER) and nothing changes.
 */
@ApiTags('maintainers')
@ApiBearerAuth()
@UseGuards(ApiTokenGuard)
@Controller('api/maintainers')
export class MaintainersApiController {
  constructor(
    private readonly maintainers: ListMaintainers,
    private readonly changeStanding: ChangeMaintainerStanding,
    private readonly addMaintainer: AddMaintainerAsMaintainer,
    private readonly proposeKey: ProposeMaintainerKey,
  ) {}

  @Get()
  async list() {
    return { maintainers: await this.maintainers.execute() };
  }

  /**
   * A token was issued after a TOTP login, yet adding a maintainer (who may then sign posts) asks
   * for a fresh code too, as the admin UI does (README "Adding a maintainer"): a leaked token alone
   * must not be able to add a signer. A wrong or used code is 401 and adds no one.
   */
  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary:
      'Add a maintainer (key policy applies; address or key in use: 409/400). Needs a fresh TOTP code; ' +
      'the enrolment link is mailed to the new maintainer, encrypted to its key.',
  })
  async add(@Body() body: NewMaintainerDto, @CurrentApiMaintainer() maintainer: { id: string }, @Req() req: Request) {
    return this.addMaintainer.execute({
      actingMaintainerId: maintainer.id,
      code: body.totpCode,
      clientAddress: req.ip,
      maintainer: { name: body.name, email: body.email, keyArmored: body.key },
    });
  }

  @Post('me/key')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Propose a new key for yourself: a link is mailed encrypted to it; the key is yours once the link is ' +
      'followed, and until then your current key stays in force.',
  })
  async proposeOwnKey(@Body() body: MaintainerKeyDto, @CurrentApiMaintainer() maintainer: { id: string }) {
    const proposed = await this.proposeKey.execute({
      maintainer: { id: maintainer.id },
      key: body.key,
      actor: `maintainer:${maintainer.id}`,
    });
    return { ...proposed, status: 'pending_proof' };
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
