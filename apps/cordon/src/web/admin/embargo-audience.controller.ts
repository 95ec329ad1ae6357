import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { EmbargoQueries } from '@cordon/embargo';
import { DomainError } from '@cordon/errors';
import { PRODUCTS_TEXT_MAX } from '../member/products-form';
import { firstErrors } from './admin-forms';
import { AudienceChanges } from './audience-changes';
import { AdminUser, CurrentMaintainer, MaintainerSessionGuard } from './auth';

const audienceForm = z.object({
  audienceMode: z.enum(['all', 'products'], { error: 'Choose who receives the embargo.' }),
  products: z.string().max(PRODUCTS_TEXT_MAX, 'At most 200 products, of at most 100 characters each.'),
});
const pickForm = z.object({
  memberId: z.uuid('Not a member.'),
  pick: z.enum(['include', 'exclude', 'none'], { error: 'Choose include, exclude or neither.' }),
});

/**
 * An embargo's audience from the admin UI (issue 14, "An audience per embargo"): the section on the
 * embargo's page posts here. A change goes through AudienceChanges (checked whole, then applied and
 * audited); a refused one comes back on the audience's own page, the error beside its field and
 * the input kept.
 */
@ApiExcludeController()
@UseGuards(MaintainerSessionGuard)
@Controller('admin/embargoes/:id/audience')
export class AdminEmbargoAudienceController {
  constructor(
    private readonly queries: EmbargoQueries,
    private readonly audience: AudienceChanges,
  ) {}

  @Get()
  async page(@Param('id', ParseUUIDPipe) id: string, @CurrentMaintainer() admin: AdminUser, @Res() res: Response) {
    await this.render(res, id, admin, {}, {});
  }

  @Post()
  async change(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, unknown>,
    @CurrentMaintainer() admin: AdminUser,
    @Res() res: Response,
  ) {
    const values = { audienceMode: String(body?.audienceMode ?? ''), products: String(body?.products ?? '') };
    const parsed = audienceForm.safeParse(values);
    if (!parsed.success) return this.render(res, id, admin, values, firstErrors(parsed.error), 400);
    const { audienceMode: mode, products } = parsed.data;
    return this.attempt(res, id, admin, values, () => this.audience.apply(id, { mode, products }, admin.id));
  }

  @Post('pick')
  async pick(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, unknown>,
    @CurrentMaintainer() admin: AdminUser,
    @Res() res: Response,
  ) {
    const parsed = pickForm.safeParse({ memberId: String(body?.memberId ?? ''), pick: String(body?.pick ?? '') });
    if (!parsed.success)
      return this.render(res, id, admin, {}, { form: Object.values(firstErrors(parsed.error))[0] }, 400);
    const { memberId, pick } = parsed.data;
    return this.attempt(res, id, admin, {}, () => this.audience.pick(id, memberId, pick, admin.id));
  }

  /** Runs a change; back to the embargo's page when it is made, else the refusal on the audience's page. */
  private async attempt(res: Response, id: string, admin: AdminUser, values: object, change: () => Promise<unknown>) {
    try {
      await change();
    } catch (error) {
      if (!(error instanceof DomainError) || !['invalid', 'conflict', 'not_found'].includes(error.kind)) throw error;
      const status = error.kind === 'invalid' ? 400 : error.kind === 'conflict' ? 409 : 404;
      const field = error.field === 'audienceMode' || error.field === 'products' ? error.field : 'form';
      return this.render(res, id, admin, values, { [field]: error.message }, status);
    }
    res.redirect(303, `/admin/embargoes/${id}#audience`);
  }

  private async render(res: Response, id: string, admin: AdminUser, values: object, errors: object, status = 200) {
    const embargo = await this.queries.get(id);
    const audience = await this.audience.section(id);
    res.status(status).render('admin/embargo-audience-page', {
      title: `Audience of ${embargo.tag}`,
      admin,
      embargo,
      audience,
      values,
      errors,
    });
  }
}
