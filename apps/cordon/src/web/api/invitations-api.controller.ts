import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { InvitationQueries, InviteDistributor, RevokeInvitation } from '@cordon/membership';
import { ApiTokenGuard, CurrentApiMaintainer } from './auth';

export class NewInvitationDto {
  @ApiProperty({ maxLength: 200 })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  organisation!: string;

  @ApiProperty({ maxLength: 254, description: 'The contact address the application must use.' })
  @IsString()
  @MaxLength(254)
  email!: string;

  @ApiPropertyOptional({ maxLength: 2000, description: 'For the maintainers: why it is invited.' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  note?: string;
}

/**
 * Invitations (README "Inviting a distributor"). The answer to POST carries the one-time link,
 * this once: pass it on yourself; nothing is mailed, the invitee has no key with the list yet.
 */
@ApiTags('invitations')
@ApiBearerAuth()
@UseGuards(ApiTokenGuard)
@Controller('api/invitations')
export class InvitationsApiController {
  constructor(
    private readonly queries: InvitationQueries,
    private readonly invite: InviteDistributor,
    private readonly revoke: RevokeInvitation,
  ) {}

  @Get()
  async list() {
    return { invitations: await this.queries.list() };
  }

  @Post()
  async create(@Body() dto: NewInvitationDto, @CurrentApiMaintainer() maintainer: { id: string; name: string }) {
    const { invitation, link } = await this.invite.execute({
      organisation: dto.organisation,
      email: dto.email,
      note: dto.note,
      inviter: { actor: `maintainer:${maintainer.id}`, name: maintainer.name },
    });
    const { id, organisation, email, note, expiresAt } = invitation;
    return { id, organisation, email, note, expiresAt, link };
  }

  @Post(':id/revoke')
  @HttpCode(200)
  async revokeOne(@Param('id', ParseUUIDPipe) id: string, @CurrentApiMaintainer() maintainer: { id: string }) {
    const revoked = await this.revoke.execute(id, `maintainer:${maintainer.id}`);
    return { id: revoked.id, state: 'revoked' as const };
  }
}
