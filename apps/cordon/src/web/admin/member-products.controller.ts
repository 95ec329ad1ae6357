import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { DomainError } from '@cordon/errors';
import { MemberQueries, SetMemberProducts } from '@cordon/membership';
import { productsForm } from '../member/products-form';
import { firstErrors } from './admin-forms';
import { AdminUser, CurrentMaintainer, MaintainerSessionGuard } from './auth';

/**
 * A maintainer corrects the products a member ships (issue 14): the form sits on the member's page;
 * a refused list comes back on a page of its own, with the error beside the field and the text kept.
 */
@ApiExcludeController()
@UseGuards(MaintainerSessionGuard)
@Controller('admin/members/:id/products')
export class AdminMemberProductsController {
  constructor(
    private readonly members: MemberQueries,
    private readonly setProducts: SetMemberProducts,
  ) {}

  @Get()
  async page(@Param('id', ParseUUIDPipe) id: string, @CurrentMaintainer() admin: AdminUser, @Res() res: Response) {
    await this.render(res, id, admin, {}, {});
  }

  @Post()
  async save(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, unknown>,
    @CurrentMaintainer() admin: AdminUser,
    @Res() res: Response,
  ) {
    const values = { products: String(body?.products ?? '') };
    const parsed = productsForm.safeParse(values);
    if (!parsed.success) return this.render(res, id, admin, values, firstErrors(parsed.error), 400);
    try {
      await this.setProducts.execute(id, parsed.data.products, `maintainer:${admin.id}`);
    } catch (error) {
      if (!(error instanceof DomainError) || !['invalid', 'conflict'].includes(error.kind)) throw error;
      const status = error.kind === 'invalid' ? 400 : 409;
      return this.render(res, id, admin, values, { [error.field ?? 'form']: error.message }, status);
    }
    res.redirect(303, `/admin/members/${id}#products-heading`);
  }

  private async render(res: Response, id: string, admin: AdminUser, values: object, errors: object, status = 200) {
    const member = await this.members.get(id);
    res.status(status).render('admin/member-products-page', {
      title: `Products of ${member.organisation}`,
      admin,
      member,
      values,
      errors,
    });
  }
}
