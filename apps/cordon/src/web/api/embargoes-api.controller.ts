import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ChangeEmbargo, EmbargoQueries, EmbargoStatus, ExportAdvisory } from '@cordon/embargo';
import { PostStatusQueries } from '@cordon/relay';
import { CreateEmbargoDto, ExtendEmbargoDto, StatusFilterDto } from './api-dtos';
import { ApiTokenGuard, CurrentApiMaintainer } from './auth';
import { NonWorkingDayRefusal } from './non-working-day-api';
import { EditEmbargoDto } from './embargo-edit-dto';

@ApiTags('embargoes')
@ApiBearerAuth()
@UseGuards(ApiTokenGuard)
@Controller('api/embargoes')
export class EmbargoesApiController {
  constructor(
    private readonly queries: EmbargoQueries,
    private readonly change: ChangeEmbargo,
    private readonly postStatus: PostStatusQueries,
    private readonly exportAdvisory: ExportAdvisory,
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

  /** The advisory of an ended embargo as an OSV record (issue 6). Each export is audited. */
  @Get(':id/osv')
  @ApiOkResponse({ description: 'An OSV record (https://ossf.github.io/osv-schema/, schema version 1.7.5)' })
  @ApiConflictResponse({ description: 'The embargo is still active: nothing is exported (RFC 9457 problem)' })
  async osv(@Param('id', ParseUUIDPipe) id: string, @CurrentApiMaintainer() maintainer: { id: string }) {
    return (await this.exportAdvisory.execute(id, 'osv', maintainer.id)).document;
  }

  /** The advisory of an ended embargo as a CSAF 2.0 document (issue 6). Each export is audited. */
  @Get(':id/csaf')
  @ApiOkResponse({ description: 'A CSAF 2.0 document (OASIS CSAF 2.0, csaf_security_advisory or csaf_base)' })
  @ApiConflictResponse({ description: 'The embargo is still active: nothing is exported (RFC 9457 problem)' })
  async csaf(@Param('id', ParseUUIDPipe) id: string, @CurrentApiMaintainer() maintainer: { id: string }) {
    return (await this.exportAdvisory.execute(id, 'csaf', maintainer.id)).document;
  }

  /** Records a coming disclosure. Refusals are RFC 9457 problems naming the field. */
  @Post()
  @NonWorkingDayRefusal()
  async create(@Body() dto: CreateEmbargoDto, @CurrentApiMaintainer() maintainer: { id: string }) {
    const embargo = await this.change.create(dto, maintainer.id);
    return this.queries.get(embargo.id);
  }

  /** Moves the public date later, with a reason; every member who receives list mail is told. */
  @Post(':id/extend')
  @HttpCode(200)
  @NonWorkingDayRefusal()
  async extend(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: ExtendEmbargoDto,
    @CurrentApiMaintainer() maintainer: { id: string },
  ) {
    const { membersTold } = await this.change.extend(id, dto, maintainer.id);
    return { ...(await this.queries.get(id)), membersTold };
  }

  /**
   * Changes the given facts (issue 14), each change audited; while the embargo runs, a change of
   * the CVE IDs, versions or mitigations is mailed to its audience, encrypted. Answers the embargo,
   * the fields that changed and how many members were told.
   */
  @Patch(':id')
  async edit(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: EditEmbargoDto,
    @CurrentApiMaintainer() maintainer: { id: string },
  ) {
    const { changed, membersTold } = await this.change.edit(id, dto, maintainer.id);
    return { ...(await this.queries.get(id)), changed, membersTold };
  }

  /** The information is public: the embargo ends, and the members are told. */
  @Post(':id/lift')
  @HttpCode(200)
  async lift(@Param('id', ParseUUIDPipe) id: string, @CurrentApiMaintainer() maintainer: { id: string }) {
    const { membersTold } = await this.change.lift(id, maintainer.id);
    return { ...(await this.queries.get(id)), membersTold };
  }
}
