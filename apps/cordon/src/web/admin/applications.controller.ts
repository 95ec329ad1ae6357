import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { DomainError } from '@cordon/errors';
import {
  ApplicationReviewQueries,
  ApplicationStatus,
  applicationStatuses,
  CommentOnApplication,
  DecideApplication,
  Decision,
} from '@cordon/membership';
import { criteria } from '../public/application-form';
import { firstErrors, reasonText } from './admin-forms';
import { AdminUser, CurrentMaintainer, MaintainerSessionGuard } from './auth';

type Action = 'approve' | 'approve-without-vouch' | 'reject' | 'request-info' | 'comment';

/**
 * The actions, by the name in the path. A Map, not an object: `action in {…}` is true for
 * `constructor`, `toString` and every other inherited name, which then failed as a 500.
 */
const forms = new Map<
  string,
  z.ZodType<{ reason?: string; firstMemberReason?: string; question?: string; body?: string }>
>([
  ['approve', z.object({})],
  ['approve-without-vouch', z.object({ firstMemberReason: reasonText('A reason') })],
  ['reject', z.object({ reason: reasonText('A reason') })],
  ['request-info', z.object({ question: reasonText('The question') })],
  ['comment', z.object({ body: reasonText('The comment') })],
] satisfies [Action, z.ZodType][]);

/** What the page says after an action, so the maintainer sees that it took effect. */
const doneNotices = new Map<string, string>([
  ['approve', 'Approved. The new member was told, encrypted to its key.'],
  [
    'approve-without-vouch',
    'Approved without a vouch, with your reason on record. The new member was told, encrypted.',
  ],
  ['reject', 'Rejected. The applicant was sent your reason, encrypted.'],
  ['request-info', 'Your question was sent to the applicant, encrypted.'],
  ['comment', 'Comment added.'],
] satisfies [Action, string][]);

/** The application queue and the review page (docs/architecture.md, "Review"). */
@ApiExcludeController()
@UseGuards(MaintainerSessionGuard)
@Controller('admin/applications')
export class AdminApplicationsController {
  constructor(
    private readonly queries: ApplicationReviewQueries,
    private readonly decide: DecideApplication,
    private readonly comment: CommentOnApplication,
  ) {}

  @Get()
  async queue(
    @Query('status') status: string | undefined,
    @CurrentMaintainer() admin: AdminUser,
    @Res() res: Response,
  ) {
    const filter = applicationStatuses.includes(status as ApplicationStatus)
      ? (status as ApplicationStatus)
      : undefined;
    res.render('admin/applications', {
      title: 'Applications',
      admin,
      applications: await this.queries.queue(filter),
      statuses: applicationStatuses,
      filter,
    });
  }

  @Get(':id')
  async review(
    @Param('id', ParseUUIDPipe) id: string,
    @Query('done') done: string | undefined,
    @CurrentMaintainer() admin: AdminUser,
    @Res() res: Response,
  ) {
    await this.renderReview(res, id, admin, {}, {}, 200, done ? doneNotices.get(done) : undefined);
  }

  @Post(':id/:action')
  async act(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('action') action: string,
    @Body() body: Record<string, unknown>,
    @CurrentMaintainer() admin: AdminUser,
    @Res() res: Response,
  ) {
    const form = forms.get(action);
    if (!form) throw new DomainError('NOT_FOUND', 'There is no such action.');
    const values = Object.fromEntries(
      Object.entries(body ?? {})
        .filter(([k]) => k !== '_csrf')
        .map(([k, v]) => [k, String(v)]),
    );
    const parsed = form.safeParse(values);
    if (!parsed.success) return this.renderReview(res, id, admin, values, firstErrors(parsed.error), 400);
    const data = parsed.data;
    try {
      if (action === 'comment') {
        await this.comment.execute(id, admin.id, data.body!);
      } else {
        const decision: Decision =
          action === 'approve'
            ? { kind: 'approve' }
            : action === 'approve-without-vouch'
              ? { kind: 'approve', withoutVouch: data.firstMemberReason! }
              : action === 'reject'
                ? { kind: 'reject', reason: data.reason! }
                : { kind: 'request_info', question: data.question! };
        await this.decide.execute(id, decision, admin.id);
      }
    } catch (error) {
      if (error instanceof DomainError && (error.kind === 'conflict' || error.kind === 'invalid')) {
        return this.renderReview(
          res,
          id,
          admin,
          values,
          { form: error.message },
          error.kind === 'conflict' ? 409 : 400,
        );
      }
      throw error;
    }
    res.redirect(303, `/admin/applications/${id}?done=${action}`);
  }

  private async renderReview(
    res: Response,
    id: string,
    admin: AdminUser,
    values: object,
    errors: object,
    status = 200,
    done?: string,
  ) {
    const review = await this.queries.review(id);
    res.status(status).render('admin/application', {
      title: review.application.organisation,
      admin,
      review,
      criteria,
      values,
      errors,
      done,
    });
  }
}
