import { Body, Controller, Get, Post, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import type { Response } from 'express';
import { FileLeakReport } from '@cordon/embargo';
import { DomainError } from '@cordon/errors';
import {
  firstLeakErrors,
  leakFormValues,
  leakInputOf,
  LeakFormErrors,
  LeakFormValues,
  publicLeakForm,
} from './leak-report-form';

/** As /apply: a few tries a minute is plenty for a person, and each report mails every maintainer. */
const publicFormLimit = { default: { limit: 10, ttl: 60_000 } };

/**
 * The public leak form (docs/architecture.md, flow "Leak": "anyone with the form link files a leak report").
 * The reporter needs no account; a contact address is optional. The answer is a reference and
 * nothing else: not whether the embargo exists, nor anything about members.
 */
@ApiExcludeController()
@Controller('leaks/report')
export class LeakReportController {
  constructor(private readonly fileReport: FileLeakReport) {}

  @Get()
  form(@Res() res: Response): void {
    this.render(res, {}, {});
  }

  @Post()
  @Throttle(publicFormLimit)
  async file(@Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const values = leakFormValues(publicLeakForm, body);
    const parsed = publicLeakForm.safeParse(values);
    if (!parsed.success) return this.render(res, values, firstLeakErrors(parsed.error), 400);
    try {
      const { id } = await this.fileReport.execute(leakInputOf(parsed.data), {
        kind: 'public',
        contact: parsed.data.contact || null,
      });
      res.status(201).render('public/leak-reported', { title: 'Leak report received', reference: id });
    } catch (error) {
      if (!(error instanceof DomainError) || error.kind !== 'invalid') throw error;
      return this.render(res, values, { [error.field ?? 'form']: error.message }, 400);
    }
  }

  private render(res: Response, values: LeakFormValues, errors: LeakFormErrors, status = 200): void {
    res.status(status).render('public/leak-report', { title: 'Report a leak', values, errors });
  }
}
