import { Body, Controller, Get, HttpCode, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import type { Response } from 'express';
import { z } from 'zod';
import { DomainError } from '@cordon/errors';
import { ATTESTATION_EVIDENCE_MAX, ReattestationQueries, ReattestMember } from '@cordon/membership';
import { criteria } from '../public/application-form';
import { CurrentMember, MemberUser } from './current-member.decorator';
import { fields, firstErrors } from './member-forms';
import { MemberSessionGuard } from './member-session.guard';
import { MEMBER_FORM_THROTTLE } from './sign-in.controller';

const numbers = ['1', '2', '3', '4', '5'] as const;
const confirmNames = numbers.map((n) => `confirm${n}` as const);
const evidenceNames = numbers.map((n) => `evidence${n}` as const);

const confirmed = (n: string) =>
  z.literal('yes', { error: `Confirm that criterion ${n} still holds, or the attestation cannot be recorded.` });
/**
 * Evidence is free text with links, shown to the maintainers. Markup and control characters are
 * refused (rather than stored and escaped for ever): write a link as its plain address.
 */
const evidence = (n: string) =>
  z
    .string()
    .trim()
    .max(
      ATTESTATION_EVIDENCE_MAX,
      `Evidence for criterion ${n} must be at most ${ATTESTATION_EVIDENCE_MAX} characters.`,
    )
    .refine((text) => !/<\s*[a-z!/?]/i.test(text), `Evidence for criterion ${n} may not contain HTML markup.`)
    // eslint-disable-next-line no-control-regex
    .refine((text) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text), {
      error: `Evidence for criterion ${n} may not contain control characters.`,
    });

const reattestForm = z.object({
  ...Object.fromEntries(numbers.map((n) => [`confirm${n}`, confirmed(n)])),
  ...Object.fromEntries(numbers.map((n) => [`evidence${n}`, evidence(n)])),
}) as z.ZodType<Record<string, string>>;

/**
 * Re-attestation (issue 6, "Watch it"): the member confirms that membership criteria 1–5 still
 * hold, one box each, and may update its evidence. A member suspended only for not re-attesting
 * is active again once it has; the page says which.
 */
@ApiExcludeController()
@UseGuards(MemberSessionGuard)
@Controller('member/reattest')
export class MemberReattestController {
  constructor(
    private readonly queries: ReattestationQueries,
    private readonly reattest: ReattestMember,
  ) {}

  @Get()
  async page(@CurrentMember() member: MemberUser, @Res() res: Response, @Query('done') done?: string) {
    await this.render(
      res,
      member,
      null,
      {},
      200,
      done === 'reinstated' ? 'reinstated' : done === '1' ? 'recorded' : null,
    );
  }

  @Post()
  @HttpCode(200)
  @Throttle(MEMBER_FORM_THROTTLE)
  async submit(@CurrentMember() member: MemberUser, @Body() body: unknown, @Res() res: Response) {
    const values = fields(body, ...confirmNames, ...evidenceNames);
    const parsed = reattestForm.safeParse(values);
    if (!parsed.success) return this.render(res, member, values, firstErrors(parsed.error), 400);
    const data = parsed.data;
    try {
      const result = await this.reattest.execute(
        member.id,
        numbers.filter((n) => data[`confirm${n}`] === 'yes'),
        { '1': data.evidence1, '2': data.evidence2, '3': data.evidence3, '4': data.evidence4, '5': data.evidence5 },
      );
      res.redirect(303, `/member/reattest?done=${result.reinstated ? 'reinstated' : '1'}`);
    } catch (error) {
      if (!(error instanceof DomainError) || error.kind !== 'invalid') throw error;
      return this.render(res, member, values, { [error.field ?? 'form']: error.message }, 400);
    }
  }

  private async render(
    res: Response,
    member: MemberUser,
    values: Record<string, string> | null,
    errors: Record<string, string>,
    status = 200,
    done: 'recorded' | 'reinstated' | null = null,
  ) {
    const state = await this.queries.ofMember(member.id);
    const prefill = values ?? Object.fromEntries(numbers.map((n) => [`evidence${n}`, state.evidence?.[n] ?? '']));
    res.status(status).render('member/reattest', {
      title: 'Re-attest your membership',
      member,
      section: 'reattest',
      criteria,
      state,
      values: prefill,
      errors,
      done,
      evidenceMax: ATTESTATION_EVIDENCE_MAX,
    });
  }
}
