import { Body, Controller, Get, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { SETTINGS, Settings } from '@cordon/config';
import { readOneKey } from '@cordon/crypto';
import { DomainError } from '@cordon/errors';
import { FileReport, REPORT_FIELD_LIMITS, REPORT_MAX_ATTACHMENTS } from '@cordon/reports';
import { KEY_MAX_BYTES } from './application-form';
import { UploadRefusal } from './application-upload';
import { LIST_KEY_PATH, PublishedListKey } from './list-key.controller';
import { parseReportForm, ReportFormErrors, ReportFormValues, reportFormValues } from './report-form';
import { ATTACHMENTS_FIELD, KEY_FILE_FIELD, mebibytes, uploadedFiles } from './report-upload';

/** As /apply: a few tries a minute is plenty for a person, and each report mails every maintainer. */
export const REPORT_FORM_THROTTLE = { default: { limit: 10, ttl: 60_000 } };

/**
 * The public vulnerability report form (issue 13, "Intake"). Anyone may file; nothing on the
 * answer page tells whether a report of the same issue exists. The reporter's way back is the
 * capability link: shown here once when no key was given, mailed encrypted to the key otherwise.
 */
@ApiExcludeController()
@Controller('report')
export class ReportController {
  constructor(
    private readonly fileReport: FileReport,
    private readonly listKey: PublishedListKey,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  @Get()
  async form(@Res() res: Response): Promise<void> {
    await this.render(res, {}, {});
  }

  @Post()
  @Throttle(REPORT_FORM_THROTTLE)
  async file(@Body() body: Record<string, unknown>, @Req() req: Request, @Res() res: Response): Promise<void> {
    const refused = res.locals.uploadRefusal as UploadRefusal | undefined;
    // What the parser read before it stopped is shown again; files never are.
    if (refused) return this.render(res, reportFormValues(body), refused.errors, refused.status);
    const keyFile = await armoredKeyFile(uploadedFiles(req, KEY_FILE_FIELD)[0]?.bytes);
    if ('errors' in keyFile) return this.render(res, reportFormValues(body), keyFile.errors, 400);
    const parsed = parseReportForm(body, keyFile.armored, uploadedFiles(req, ATTACHMENTS_FIELD));
    if ('errors' in parsed) return this.render(res, parsed.values, parsed.errors, 400);
    try {
      const filed = await this.fileReport.execute(parsed.report, 'form');
      res.status(201).render('public/report-filed', {
        title: `Report ${filed.reference} received`,
        reference: filed.reference,
        reply: filed.reply,
        // Shown once, on this page only, when there is no key to mail it encrypted to.
        accessLink: filed.reply === 'none' ? filed.accessLink : null,
        contact: parsed.report.content.contact,
        keyFingerprint: parsed.report.reporterKey ? await fingerprintOf(parsed.report.reporterKey) : null,
      });
    } catch (error) {
      if (!(error instanceof DomainError) || (error.kind !== 'invalid' && error.kind !== 'too_large')) throw error;
      const status = error.kind === 'too_large' ? 413 : 400;
      return this.render(res, parsed.values, { [error.field ?? 'form']: error.message }, status);
    }
  }

  private async render(res: Response, values: ReportFormValues, errors: ReportFormErrors, status = 200) {
    res.status(status).render('public/report', {
      title: 'Report a vulnerability',
      values,
      errors,
      limits: REPORT_FIELD_LIMITS,
      keyMaxBytes: KEY_MAX_BYTES,
      maxAttachments: REPORT_MAX_ATTACHMENTS,
      maxSize: mebibytes(this.settings.REPORT_MAX_BYTES),
      reportAddress: this.listKey.address('report'),
      sendkeyAddress: this.listKey.address('sendkey'),
      listKeyFingerprint: await this.listKey.fingerprint(),
      listKeyPath: LIST_KEY_PATH,
    });
  }
}

/**
 * An uploaded key file as armor: as it is when armored (`gpg --armor --export`), armored here when
 * binary (`gpg --export`). Null without a file; the field's error when it is no key at all (the key
 * policy itself is the domain's, when the report is filed).
 */
async function armoredKeyFile(
  file: Buffer | undefined,
): Promise<{ armored: string | null } | { errors: ReportFormErrors }> {
  if (!file?.length) return { armored: null };
  if (file.subarray(0, 200).toString('latin1').includes('-----BEGIN PGP')) return { armored: file.toString('utf8') };
  try {
    return { armored: (await readOneKey(new Uint8Array(file))).armor() };
  } catch (error) {
    if (error instanceof DomainError) return { errors: { reporterKey: error.message } };
    throw error;
  }
}

/** The fingerprint of a key the domain has just taken, to name it on the answer page. */
async function fingerprintOf(armored: string): Promise<string> {
  return (await readOneKey(armored)).getFingerprint().toUpperCase();
}
