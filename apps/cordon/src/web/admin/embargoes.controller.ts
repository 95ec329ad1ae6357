import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { DomainError } from '@cordon/errors';
import {
  AdvisoryFormat,
  advisoryJson,
  ChangeEmbargo,
  DateAnswers,
  EmbargoQueries,
  ExportAdvisory,
  StatusMatrix,
} from '@cordon/embargo';
import { LinkPostToEmbargo, PostStatusQueries } from '@cordon/relay';
import { ReportQueries } from '@cordon/reports';
import { firstErrors, reasonText } from './admin-forms';
import { nonWorkingDayFields, nonWorkingDayWarning, publicMomentChoice } from './non-working-day';
import { AdminUser, CurrentMaintainer, MaintainerSessionGuard } from './auth';
import { AudienceChanges } from './audience-changes';
import { PRODUCTS_TEXT_MAX } from '../member/products-form';
import { adviceFields, editForm, editValues } from './embargo-edit-form';

const optional = (max: number) => z.string().trim().max(max, `At most ${max} characters.`);
// The domain checks meaning (CVE format, CVSS grammar, dates, the business-day limit); the form
// only bounds what it takes.
const createForm = z.object({
  title: z.string().trim().min(1, 'A title is required.').max(200, 'At most 200 characters.'),
  cveIds: optional(700),
  cvssVector: optional(300),
  affectedVersions: optional(2000),
  fixedVersions: optional(2000),
  reporterCredit: optional(500),
  publicAt: z.string().trim().min(1, 'Give the public date and time.').max(16, 'Use YYYY-MM-DDTHH:MM.'),
  timeZone: z.string().trim().min(1, 'Give the time zone.').max(64, 'At most 64 characters.'),
  overLimitReason: optional(2000),
  ...nonWorkingDayFields,
  ...adviceFields,
  // Set when the embargo is opened from a post that carried no tag: the post is linked to it.
  postId: z.union([z.literal(''), z.uuid('Not a post.')]),
  // Who it reaches (issue 14): everyone, or the members shipping one of its affected products.
  audienceMode: z
    .enum(['', 'all', 'products'], { error: 'Choose who receives the embargo.' })
    .transform((mode) => mode || undefined),
  products: optional(PRODUCTS_TEXT_MAX),
});
const extendForm = z.object({
  publicAt: z.string().trim().min(1, 'Give the new public date and time.').max(16, 'Use YYYY-MM-DDTHH:MM.'),
  timeZone: z.string().trim().min(1, 'Give the time zone.').max(64, 'At most 64 characters.'),
  reason: reasonText('A reason'),
  ...nonWorkingDayFields,
});

const fieldsOf = (schema: z.ZodObject, body: Record<string, unknown>) =>
  Object.fromEntries(Object.keys(schema.shape).map((key) => [key, String(body?.[key] ?? '')]));

/** Embargoes: every one with its clock; record one; extend or lift it (the members are told). */
@ApiExcludeController()
@UseGuards(MaintainerSessionGuard)
@Controller('admin/embargoes')
export class AdminEmbargoesController {
  constructor(
    private readonly queries: EmbargoQueries,
    private readonly statusMatrix: StatusMatrix,
    private readonly change: ChangeEmbargo,
    private readonly posts: PostStatusQueries,
    private readonly linkPost: LinkPostToEmbargo,
    private readonly dateAnswers: DateAnswers,
    private readonly exportAdvisory: ExportAdvisory,
    private readonly reports: ReportQueries,
    private readonly audience: AudienceChanges,
  ) {}

  /** `?fromPost=<id>` fills the form from a post that carried no `[EMB-n]` tag. */
  @Get()
  async list(
    @Query('fromPost') fromPost: string | undefined,
    @CurrentMaintainer() admin: AdminUser,
    @Res() res: Response,
  ) {
    const values: Record<string, string> = { timeZone: 'UTC', audienceMode: this.audience.defaultMode };
    if (fromPost && z.uuid().safeParse(fromPost).success) {
      const { post } = await this.posts.get(fromPost);
      if (!post.embargo) Object.assign(values, { title: post.subject.slice(0, 200), postId: post.id });
    }
    await this.renderList(res, admin, values, {});
  }

  @Post()
  async create(@Body() body: Record<string, unknown>, @CurrentMaintainer() admin: AdminUser, @Res() res: Response) {
    const values = fieldsOf(createForm, body);
    const parsed = createForm.safeParse(values);
    if (!parsed.success) return this.renderList(res, admin, values, firstErrors(parsed.error), 400);
    const { cveIds, postId, ...rest } = publicMomentChoice(parsed.data);
    try {
      const embargo = await this.change.create(
        { ...rest, cveIds: cveIds.split(/[\s,;]+/).filter(Boolean) },
        admin.id,
        postId ? (manager, created) => this.linkPost.link(manager, postId, created.id, admin.id) : undefined,
      );
      res.redirect(303, `/admin/embargoes/${embargo.id}`);
    } catch (error) {
      // A weekend or a holiday: the form comes back with the next working day offered (issue 14).
      const nonWorkingDay = nonWorkingDayWarning(error);
      if (nonWorkingDay) return this.renderList(res, admin, values, {}, 422, { nonWorkingDay });
      if (!(error instanceof DomainError) || !['invalid', 'conflict', 'not_found'].includes(error.kind)) throw error;
      const status = error.kind === 'invalid' ? 400 : error.kind === 'conflict' ? 409 : 404;
      return this.renderList(res, admin, values, { [error.field ?? 'form']: error.message }, status);
    }
  }

  @Get(':id')
  async show(@Param('id', ParseUUIDPipe) id: string, @CurrentMaintainer() admin: AdminUser, @Res() res: Response) {
    await this.renderOne(res, id, admin, {}, {});
  }

  @Post(':id/extend')
  async extend(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, unknown>,
    @CurrentMaintainer() admin: AdminUser,
    @Res() res: Response,
  ) {
    const values = fieldsOf(extendForm, body);
    const parsed = extendForm.safeParse(values);
    if (!parsed.success) return this.renderOne(res, id, admin, values, firstErrors(parsed.error), 400);
    try {
      await this.change.extend(id, publicMomentChoice(parsed.data), admin.id);
    } catch (error) {
      const nonWorkingDay = nonWorkingDayWarning(error);
      if (nonWorkingDay) return this.renderOne(res, id, admin, values, {}, 422, { nonWorkingDay });
      if (!(error instanceof DomainError) || !['invalid', 'conflict'].includes(error.kind)) throw error;
      const status = error.kind === 'invalid' ? 400 : 409;
      return this.renderOne(res, id, admin, values, { [error.field ?? 'form']: error.message }, status);
    }
    res.redirect(303, `/admin/embargoes/${id}`);
  }

  /** Edits the embargo's facts (issue 14); members are told, encrypted, of what they must know. */
  @Post(':id/edit')
  async edit(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, unknown>,
    @CurrentMaintainer() admin: AdminUser,
    @Res() res: Response,
  ) {
    const values = fieldsOf(editForm, body);
    const parsed = editForm.safeParse(values);
    if (!parsed.success) return this.renderOne(res, id, admin, values, firstErrors(parsed.error), 400);
    try {
      await this.change.edit(id, parsed.data, admin.id);
    } catch (error) {
      if (!(error instanceof DomainError) || error.kind !== 'invalid') throw error;
      return this.renderOne(res, id, admin, values, { [error.field ?? 'form']: error.message }, 400);
    }
    res.redirect(303, `/admin/embargoes/${id}#edit`);
  }

  @Post(':id/lift')
  async lift(@Param('id', ParseUUIDPipe) id: string, @CurrentMaintainer() admin: AdminUser, @Res() res: Response) {
    try {
      await this.change.lift(id, admin.id);
    } catch (error) {
      if (!(error instanceof DomainError) || error.kind !== 'conflict') throw error;
      return this.renderOne(res, id, admin, {}, { form: error.message }, 409);
    }
    res.redirect(303, `/admin/embargoes/${id}`);
  }

  /** The advisory of an ended embargo as a file to download (issue 6); an active one is refused. */
  @Get(':id/advisory.osv.json')
  osv(@Param('id', ParseUUIDPipe) id: string, @CurrentMaintainer() admin: AdminUser, @Res() res: Response) {
    return this.downloadAdvisory(res, id, 'osv', admin);
  }

  @Get(':id/advisory.csaf.json')
  csaf(@Param('id', ParseUUIDPipe) id: string, @CurrentMaintainer() admin: AdminUser, @Res() res: Response) {
    return this.downloadAdvisory(res, id, 'csaf', admin);
  }

  private async downloadAdvisory(res: Response, id: string, format: AdvisoryFormat, admin: AdminUser) {
    try {
      const file = await this.exportAdvisory.execute(id, format, admin.id);
      res.attachment(file.fileName).type('application/json').setHeader('Cache-Control', 'no-store');
      res.send(advisoryJson(file.document));
    } catch (error) {
      if (!(error instanceof DomainError) || error.kind !== 'conflict') throw error;
      return this.renderOne(res, id, admin, {}, { form: error.message }, 409);
    }
  }

  private async renderList(
    res: Response,
    admin: AdminUser,
    values: object,
    errors: object,
    status = 200,
    extra: object = {},
  ) {
    const embargoes = await this.queries.list();
    res.status(status).render('admin/embargoes', { title: 'Embargoes', admin, embargoes, values, errors, ...extra });
  }

  private async renderOne(
    res: Response,
    id: string,
    admin: AdminUser,
    values: object,
    errors: object,
    status = 200,
    extra: object = {},
  ) {
    const embargo = await this.queries.get(id);
    const shown = { ...editValues(embargo), timeZone: embargo.timeZone, ...values };
    const [posts, recipients] = [await this.posts.forEmbargo(id), await this.posts.recipientsOfEmbargo(id)];
    // Every member's answer to the proposed date (accept or object, with a comment), from self-service.
    const dateAnswers = await this.dateAnswers.forEmbargo(id);
    // Made from a vulnerability report: its date is where the business-day limit counts from.
    const report = await this.reports.madeInto(id);
    // Who its posts and notices reach, and why (issue 14): shown before the first post.
    const audience = await this.audience.section(id);
    // Each audience member's status (issue 14), and who has not answered.
    const statusMatrix = await this.statusMatrix.of(id);
    res.status(status).render('admin/embargo', {
      title: embargo.tag,
      admin,
      embargo,
      posts,
      recipients,
      dateAnswers,
      report,
      statusMatrix,
      audience,
      values: shown,
      errors,
      ...extra,
    });
  }
}
