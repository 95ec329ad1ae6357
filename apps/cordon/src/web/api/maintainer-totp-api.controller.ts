import { Body, Controller, HttpCode, Param, ParseUUIDPipe, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import type { Request } from 'express';
import { ResetMaintainerTotp } from '@cordon/maintainers';
import { ApiTokenGuard, CurrentApiMaintainer } from './auth';

export class TotpResetDto {
  @ApiProperty({
    description:
      'A current code from YOUR authenticator app: a reset needs it even with a valid token. ' +
      'A code already used (at login or here) is refused.',
    maxLength: 20,
  })
  @IsString()
  @MinLength(1)
  @MaxLength(20)
  totpCode!: string;
}

/**
 * Resetting another maintainer's authenticator over the API, as the admin UI does it
 * (ResetMaintainerTotp). A token alone is not enough: the acting maintainer's fresh code is, so a
 * leaked token cannot lock a maintainer out. One's own reset is 403, a wrong code 401, and neither
 * changes anything.
 */
@ApiTags('maintainers')
@ApiBearerAuth()
@UseGuards(ApiTokenGuard)
@Controller('api/maintainers')
export class MaintainerTotpApiController {
  constructor(private readonly reset: ResetMaintainerTotp) {}

  @Post(':id/reset-totp')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Reset another maintainer's authenticator: its password, TOTP seed and recovery codes are erased, its " +
      'sessions end and API tokens are revoked, and a new enrolment link is mailed to it, encrypted to its key. ' +
      'Needs a fresh TOTP code; your own is refused (403).',
  })
  async resetTotp(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: TotpResetDto,
    @CurrentApiMaintainer() maintainer: { id: string },
    @Req() req: Request,
  ) {
    const done = await this.reset.execute({
      maintainer: { id },
      actor: { maintainerId: maintainer.id, code: body.totpCode, clientAddress: req.ip },
    });
    return { id: done.maintainerId, status: 'invited', tokensRevoked: done.tokensRevoked };
  }
}
