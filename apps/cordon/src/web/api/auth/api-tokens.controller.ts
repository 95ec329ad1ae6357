import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProperty, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { MaintainerIdentity } from '@cordon/maintainers';
import { ApiTokenGuard } from './api-token.guard';
import { CurrentApiMaintainer } from './current-api-maintainer.decorator';

export class MaintainerDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ format: 'email' })
  email!: string;
}

/** Who a token acts for: the first call a script makes to check its token. Tokens are made at /admin/tokens. */
@ApiTags('auth')
@ApiBearerAuth()
@UseGuards(ApiTokenGuard)
@Controller('api')
export class ApiTokensController {
  @Get('me')
  @ApiOkResponse({ type: MaintainerDto, description: 'The maintainer the token belongs to' })
  @ApiUnauthorizedResponse({ description: 'No token, or a revoked or unknown one (RFC 9457 problem)' })
  me(@CurrentApiMaintainer() maintainer: MaintainerIdentity): MaintainerDto {
    return { id: maintainer.id, name: maintainer.name, email: maintainer.email };
  }
}
