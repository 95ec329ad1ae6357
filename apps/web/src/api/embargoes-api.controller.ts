import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ChangeEmbargo, EmbargoQueries, EmbargoStatus } from '@cordon/embargo';
import { PostStatusQueries } from '@cordon/relay';
import { CreateEmbargoDto, ExtendEmbargoDto, StatusFilterDto } from './api-dtos';
import { ApiTokenGuard, CurrentApiMaintainer } from './auth';

@ApiTags('embargoes')
@ApiBearerAuth()
@UseGuards(ApiTokenGuard)
@Controller('api/embargoes')
export class EmbargoesApiController {
  constructor(
    private readonly queries: EmbargoQueries,
    private readonly change: ChangeEmbargo,
    private readonly postStatus: PostStatusQueries,
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

  /** The embargo's posts (with their delivery counts) and, per member, what it received. */
  @Get(':id/posts')
  async posts(@Param('id', ParseUUIDPipe) id: string) {
    await this.queries.get(id); // 404 for an unknown embargo
    return { posts: await this.postStatus.forEmbargo(id), recipients: await this.postStatus.recipientsOfEmbargo(id) };
  }

  /** Records a coming disclosure. Refusals are RFC 9457 problems naming the field. */
  @Post()
  async create(@Body() dto: CreateEmbargoDto, @CurrentApiMaintainer() maintainer: { id: string }) {
    const embargo = await this.change.create(dto, maintainer.id);
    return this.queries.get(embargo.id);
  }

  /** Moves the public date later, with a reason; every member who receives list mail is told. */
  @Post(':id/extend')
  @HttpCode(200)
  async extend(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: ExtendEmbargoDto,
    @CurrentApiMaintainer() maintainer: { id: string },
  ) {
    const { membersTold } = await this.change.extend(id, dto, maintainer.id);
    return { ...(await this.queries.get(id)), membersTold };
  }

  /** The information is public: the embargo ends, and the members are told. */
  @Post(':id/lift')
  @HttpCode(200)
  async lift(@Param('id', ParseUUIDPipe) id: string, @CurrentApiMaintainer() maintainer: { id: string }) {
    const { membersTold } = await this.change.lift(id, maintainer.id);
    return { ...(await this.queries.get(id)), membersTold };
  }
}
