import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { EmbargoQueries, Embargoes, EmbargoStatus } from '@cordon/embargo';
import { CreateEmbargoDto, StatusFilterDto } from './api-dtos';
import { ApiTokenGuard, CurrentApiMaintainer } from './auth';

@ApiTags('embargoes')
@ApiBearerAuth()
@UseGuards(ApiTokenGuard)
@Controller('api/embargoes')
export class EmbargoesApiController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly embargoes: Embargoes,
    private readonly queries: EmbargoQueries,
  ) {}

  /** Every embargo with its clock: active ones first, soonest public moment first. */
  @Get()
  async list(@Query() query: StatusFilterDto) {
    return { embargoes: await this.queries.list(query.status as EmbargoStatus | undefined) };
  }

  @Get(':id')
  async get(@Param('id', ParseUUIDPipe) id: string) {
    return this.queries.get(id);
  }

  /** Records a coming disclosure. Refusals are RFC 9457 problems naming the field. */
  @Post()
  async create(@Body() dto: CreateEmbargoDto, @CurrentApiMaintainer() maintainer: { id: string }) {
    const embargo = await this.dataSource.transaction((manager) =>
      this.embargoes.create(manager, dto, `maintainer:${maintainer.id}`),
    );
    return this.queries.get(embargo.id);
  }
}
