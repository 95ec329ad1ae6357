import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { DomainError } from '@cordon/errors';
import { ChangeEmbargo, EmbargoQueries } from '@cordon/embargo';
import { firstErrors, reasonText } from './admin-forms';
import { AdminUser, CurrentMaintainer, MaintainerSessionGuard } from './auth';

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
});
const extendForm = z.object({
  publicAt: z.string().trim().min(1, 'Give the new public date and time.').max(16, 'Use YYYY-MM-DDTHH:MM.'),
  timeZone: z.string().trim().min(1, 'Give the time zone.').max(64, 'At most 64 characters.'),
  reason: reasonText('A reason'),
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
    private readonly change: ChangeEmbargo,
  ) {}

  @Get()
  async list(@CurrentMaintainer() admin: AdminUser, @Res() res: Response) {
    await this.renderList(res, admin, { timeZone: 'UTC' }, {});
  }

  @Post()
  async create(@Body() body: Record<string, unknown>, @CurrentMaintainer() admin: AdminUser, @Res() res: Response) {
    const values = fieldsOf(createForm, body);
    const parsed = createForm.safeParse(values);
    if (!parsed.success) return this.renderList(res, admin, values, firstErrors(parsed.error), 400);
    const { cveIds, ...rest } = parsed.data;
    try {
      const embargo = await this.change.create({ ...rest, cveIds: cveIds.split(/[\s,;]+/).filter(Boolean) }, admin.id);
      res.redirect(303, `/admin/embargoes/${embargo.id}`);
    } catch (error) {
      if (!(error instanceof DomainError) || error.kind !== 'invalid') throw error;
      return this.renderList(res, admin, values, { [error.field ?? 'form']: error.message }, 400);
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
      await this.change.extend(id, parsed.data, admin.id);
    } catch (error) {
      if (!(error instanceof DomainError) || !['invalid', 'conflict'].includes(error.kind)) throw error;
      const status = error.kind === 'invalid' ? 400 : 409;
      return this.renderOne(res, id, admin, values, { [error.field ?? 'form']: error.message }, status);
    }
    res.redirect(303, `/admin/embargoes/${id}`);
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

  private async renderList(res: Response, admin: AdminUser, values: object, errors: object, status = 200) {
    const embargoes = await this.queries.list();
    res.status(status).render('admin/embargoes', { title: 'Embargoes', admin, embargoes, values, errors });
  }

  private async renderOne(res: Response, id: string, admin: AdminUser, values: object, errors: object, status = 200) {
    const embargo = await this.queries.get(id);
    const shown = { timeZone: embargo.timeZone, ...values };
    res.status(status).render('admin/embargo', { title: embargo.tag, admin, embargo, values: shown, errors });
  }
}
