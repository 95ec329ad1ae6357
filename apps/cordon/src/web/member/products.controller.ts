import { Body, Controller, Get, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import type { Response } from 'express';
import { DomainError } from '@cordon/errors';
import { MemberQueries, SetMemberProducts } from '@cordon/membership';
import { CurrentMember, MemberUser } from './current-member.decorator';
import { fields, firstErrors } from './member-forms';
import { MemberSessionGuard } from './member-session.guard';
import { productLines, productsForm } from './products-form';
import { MEMBER_FORM_THROTTLE } from './sign-in.controller';

/**
 * The products (components, packages) the member ships (issue 14, "An audience per embargo"): an
 * embargo that names one of them reaches the member. A suspended member may keep them current too.
 */
@ApiExcludeController()
@UseGuards(MemberSessionGuard)
@Controller('member/products')
export class MemberProductsController {
  constructor(
    private readonly members: MemberQueries,
    private readonly setProducts: SetMemberProducts,
  ) {}

  @Get()
  async page(@CurrentMember() member: MemberUser, @Res() res: Response, @Query('done') done?: string) {
    const products = (await this.members.get(member.id)).products;
    this.render(res, member, { products: productLines(products) }, {}, 200, done === 'saved');
  }

  @Post()
  @Throttle(MEMBER_FORM_THROTTLE)
  async save(@CurrentMember() member: MemberUser, @Body() body: unknown, @Res() res: Response) {
    const values = fields(body, 'products');
    const parsed = productsForm.safeParse(values);
    if (!parsed.success) return this.render(res, member, values, firstErrors(parsed.error), 400);
    try {
      await this.setProducts.execute(member.id, parsed.data.products, `member:${member.id}`);
    } catch (error) {
      if (!(error instanceof DomainError) || error.kind !== 'invalid') throw error;
      return this.render(res, member, values, { [error.field ?? 'products']: error.message }, 400);
    }
    res.redirect(303, '/member/products?done=saved');
  }

  private render(res: Response, member: MemberUser, values: object, errors: object, status = 200, saved = false) {
    res
      .status(status)
      .render('member/products', { title: 'Your products', member, section: 'products', values, errors, saved });
  }
}
