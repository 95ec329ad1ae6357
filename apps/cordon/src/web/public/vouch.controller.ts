import { Body, Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import type { Response } from 'express';
import { z } from 'zod';
import { RecordVouch } from '@cordon/membership';
import { criteria } from './application-form';

const vouchForm = z.object({
  decision: z.enum(['vouched', 'declined'], { error: 'Choose whether you vouch or decline.' }),
  comment: z.string().trim().min(1, 'Say why, in a sentence or two.').max(5000, 'At most 5000 characters.'),
});

/** The voucher's one-time page: the application's summary, then vouch or decline with a comment. */
@ApiExcludeController()
@Controller('vouch')
export class VouchController {
  constructor(private readonly vouch: RecordVouch) {}

  @Get(':token')
  async page(@Param('token') token: string, @Res() res: Response): Promise<void> {
    await this.render(res, token, {}, {});
  }

  @Post(':token')
  @HttpCode(200)
  @Throttle({ default: { limit: 10, ttl: 60_000 } })
  async decide(@Param('token') token: string, @Body() body: Record<string, unknown>, @Res() res: Response) {
    const values = { decision: String(body?.decision ?? ''), comment: String(body?.comment ?? '') };
    const parsed = vouchForm.safeParse(values);
    if (!parsed.success) {
      const errors: Record<string, string> = {};
      for (const issue of parsed.error.issues) errors[String(issue.path[0])] ??= issue.message;
      return this.render(res, token, values, errors, 400);
    }
    await this.vouch.execute(token, parsed.data.decision, parsed.data.comment);
    res.render('public/vouched', { title: 'Thank you', decision: parsed.data.decision });
  }

  private async render(res: Response, token: string, values: object, errors: object, status = 200) {
    const application = await this.vouch.preview(token);
    res.status(status).render('public/vouch', {
      title: `Vouch for ${application.organisation}`,
      application,
      criteria,
      values,
      errors,
      action: `/vouch/${encodeURIComponent(token)}`,
    });
  }
}
