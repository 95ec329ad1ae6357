import { Body, Controller, Get, Param, ParseIntPipe, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { diffLines } from 'diff';
import type { Response } from 'express';
import { z } from 'zod';
import { DomainError } from '@cordon/errors';
import {
  normalisePolicyText,
  Policies,
  POLICY_MAX,
  policyHash,
  PolicyHistory,
  PolicyVersion,
  PublishPolicy,
} from '@cordon/policy';
import { firstErrors } from './admin-forms';
import { AdminUser, CurrentMaintainer, MaintainerSessionGuard } from './auth';

/** One line of a diff as the page shows it; the view escapes `text`. */
export interface DiffLine {
  kind: 'added' | 'removed' | 'same';
  text: string;
}

/** What changed from one text to the next, line by line (jsdiff's Myers diff). */
export function policyDiff(before: string, after: string): DiffLine[] {
  const lines: DiffLine[] = [];
  for (const change of diffLines(before, after)) {
    const kind = change.added ? 'added' : change.removed ? 'removed' : 'same';
    const parts = change.value.replace(/\n$/, '').split('\n');
    for (const text of parts) lines.push({ kind, text });
  }
  return lines;
}

const policyForm = z.object({
  /** Normalised to LF line breaks before it is parsed (normalisePolicyText). */
  body: z
    .string()
    .max(POLICY_MAX, `The policy must be at most ${POLICY_MAX} characters.`)
    .refine((text) => text.trim().length > 0, 'Write the text of the new version.'),
  basedOn: z.coerce.number().int().min(1),
  /** The SHA-256 of the text the preview showed: publishing anything else needs a new preview. */
  previewed: z.string().max(64).optional(),
});

const field = (body: Record<string, unknown> | undefined, name: string) =>
  typeof body?.[name] === 'string' ? body[name] : '';

/**
 * The Embargo Policy in the admin UI (issue 5): the current version and its text, the next version
 * written, previewed as a diff against the current one, then published (every active member is
 * told, encrypted, that it needs their acknowledgement); and every past version with its diff.
 */
@ApiExcludeController()
@UseGuards(MaintainerSessionGuard)
@Controller('admin/policy')
export class AdminPolicyController {
  constructor(
    private readonly policies: Policies,
    private readonly history: PolicyHistory,
    private readonly publishPolicy: PublishPolicy,
  ) {}

  @Get()
  async page(
    @Query('published') published: string | undefined,
    @Query('told') told: string | undefined,
    @CurrentMaintainer() admin: AdminUser,
    @Res() res: Response,
  ) {
    const notice = /^\d{1,9}$/.test(published ?? '')
      ? { version: Number(published), told: /^\d{1,9}$/.test(told ?? '') ? Number(told) : null }
      : null;
    await this.render(res, admin, { notice });
  }

  @Post('preview')
  async preview(@Body() body: Record<string, unknown>, @CurrentMaintainer() admin: AdminUser, @Res() res: Response) {
    const values = { body: normalisePolicyText(field(body, 'body')), basedOn: field(body, 'basedOn') };
    const parsed = policyForm.safeParse(values);
    if (!parsed.success) return this.render(res, admin, { values, errors: firstErrors(parsed.error) }, 400);
    const current = await this.policies.current();
    const errors = this.unchanged(current, parsed.data.body, parsed.data.basedOn);
    if (errors) return this.render(res, admin, { values, errors }, 400);
    await this.render(res, admin, {
      values,
      preview: {
        diff: policyDiff(current.body, parsed.data.body),
        sha256: policyHash(parsed.data.body),
        version: current.version + 1,
      },
    });
  }

  @Post('publish')
  async publish(@Body() body: Record<string, unknown>, @CurrentMaintainer() admin: AdminUser, @Res() res: Response) {
    const values = { body: normalisePolicyText(field(body, 'body')), basedOn: field(body, 'basedOn') };
    const parsed = policyForm.safeParse({ ...values, previewed: field(body, 'previewed') });
    if (!parsed.success) return this.render(res, admin, { values, errors: firstErrors(parsed.error) }, 400);
    if (parsed.data.previewed !== policyHash(parsed.data.body)) {
      return this.render(
        res,
        admin,
        { values, errors: { body: 'The text changed after the preview. Preview it again, then publish.' } },
        400,
      );
    }
    try {
      const { policy, membersTold } = await this.publishPolicy.execute(parsed.data.body, parsed.data.basedOn, admin.id);
      res.redirect(303, `/admin/policy?published=${policy.version}&told=${membersTold}`);
    } catch (error) {
      if (!(error instanceof DomainError) || error.kind !== 'invalid') throw error;
      return this.render(res, admin, { values, errors: { [error.field ?? 'body']: error.message } }, 400);
    }
  }

  @Get(':version')
  async version(
    @Param('version', ParseIntPipe) version: number,
    @CurrentMaintainer() admin: AdminUser,
    @Res() res: Response,
  ) {
    const { policy, previous } = await this.history.withPrevious(version);
    const summary = (await this.history.list()).find((v) => v.version === version)!;
    res.render('admin/policy-version', {
      title: `Embargo Policy, version ${version}`,
      admin,
      policy,
      summary,
      previous: previous ? { version: previous.version } : null,
      diff: previous ? policyDiff(previous.body, policy.body) : null,
    });
  }

  /** A field error when the text is the current one, or the current one moved on since the form was made. */
  private unchanged(current: PolicyVersion, text: string, basedOn: number): Record<string, string> | null {
    if (current.version !== basedOn) {
      return {
        body: `Version ${current.version} was published meanwhile. Compare your text with it and preview again.`,
      };
    }
    if (current.body === text) {
      return { body: `This is the text of version ${current.version} as it stands. Change it before publishing.` };
    }
    return null;
  }

  private async render(
    res: Response,
    admin: AdminUser,
    page: {
      values?: Record<string, string>;
      errors?: Record<string, string>;
      preview?: { diff: DiffLine[]; sha256: string; version: number };
      notice?: { version: number; told: number | null } | null;
    },
    status = 200,
  ) {
    const current = await this.policies.current();
    const versions = await this.history.list();
    res.status(status).render('admin/policy', {
      title: 'Embargo Policy',
      admin,
      current,
      summary: versions[0],
      versions,
      // The next preview compares with the version current now: after a "published meanwhile"
      // refusal, previewing again shows the diff against that newer version.
      values: { body: page.values?.body ?? current.body, basedOn: String(current.version) },
      errors: page.errors ?? {},
      preview: page.preview ?? null,
      notice: page.notice ?? null,
    });
  }
}
