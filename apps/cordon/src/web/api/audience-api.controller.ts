import { Body, Controller, Get, Param, ParseUUIDPipe, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { MemberQueries, SetMemberProducts } from '@cordon/membership';
import { AudienceChanges } from '../admin/audience-changes';
import { AudienceChangeDto, MemberProductsDto } from './audience-api-dtos';
import { ApiTokenGuard, CurrentApiMaintainer } from './auth';

const AUDIENCE_DOC =
  "The embargo's audience: { mode, products, members: [{ memberId, organisation, email, products, inAudience, " +
  "why ('everyone' | 'product' | 'included' | 'excluded' | 'no_product'), eligible, reason }] }, what the " +
  'admin page shows before the first post. A member in the audience that is not eligible (reason) gets ' +
  'nothing until it is.';

/**
 * Who an embargo reaches (issue 14, "An audience per embargo"): the products each member ships,
 * and each embargo's affected products, audience mode and maintainers' picks. Every change is
 * audited by the domain; bad input is a 400 problem naming the field, and changes nothing.
 */
@ApiTags('audience')
@ApiBearerAuth()
@UseGuards(ApiTokenGuard)
@Controller('api')
export class AudienceApiController {
  constructor(
    private readonly members: MemberQueries,
    private readonly setProducts: SetMemberProducts,
    private readonly audience: AudienceChanges,
  ) {}

  @Get('members/:id/products')
  @ApiOkResponse({ description: 'The products the member ships: { products: string[] }' })
  async memberProducts(@Param('id', ParseUUIDPipe) id: string) {
    return { products: (await this.members.get(id)).products };
  }

  /** Replaces the member's products (normalised: trimmed, lowercased, deduplicated, sorted). */
  @Put('members/:id/products')
  @ApiOkResponse({ description: 'The products as stored: { products: string[] }' })
  async setMemberProducts(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: MemberProductsDto,
    @CurrentApiMaintainer() maintainer: { id: string },
  ) {
    return { products: await this.setProducts.execute(id, dto.products, `maintainer:${maintainer.id}`) };
  }

  @Get('embargoes/:id/audience')
  @ApiOkResponse({ description: AUDIENCE_DOC })
  async embargoAudience(@Param('id', ParseUUIDPipe) id: string) {
    return this.audience.view(id);
  }

  /** Sets each part given (mode, products, the whole lists of inclusions and exclusions); only while active. */
  @Put('embargoes/:id/audience')
  @ApiOkResponse({ description: `After the change. ${AUDIENCE_DOC}` })
  async changeEmbargoAudience(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: AudienceChangeDto,
    @CurrentApiMaintainer() maintainer: { id: string },
  ) {
    return this.audience.apply(id, dto, maintainer.id);
  }
}
