/**
 * What a browser journey through a vulnerability report needs beside test/support/browser.ts: the
 * public form filled in as a reporter fills it, files downloaded as a browser downloads them, the
 * plain notice a reporter without a key gets, and steps that run in order and stop at the first
 * that fails.
 */
import { readFile } from 'node:fs/promises';
import { DateTime } from 'luxon';
import { simpleParser } from 'mailparser';
import type { Locator, Page } from 'playwright-core';
import type { ReportContent } from '@cordon/reports';
import { GpgHome } from './gpg';
import { openMail, OpenedMail, SentMail } from './mailbox';

/**
 * The public form at /report as a reporter fills it in: what the report says (the domain's
 * ReportContent), the key pasted from `gpg --armor --export` (null for none), the answer to
 * "Is it already public?" by its label, the credit consent and the files.
 */
export type ReportFormFields = Omit<ReportContent, 'reporterKey' | 'alreadyPublic'> & {
  key: string | null;
  alreadyPublic: 'No, as far as I know' | 'Yes (say where in the description)' | 'I am not sure';
  creditConsent: boolean;
  attachments: { name: string; mimeType: string; buffer: Buffer }[];
};

/** Fills the report form by its labels, as a person reads them. */
export async function fillReportForm(page: Page, report: ReportFormFields): Promise<void> {
  await page.getByLabel('Your name or a pseudonym').fill(report.reporterName);
  await page.getByLabel('Your e-mail address').fill(report.contact);
  if (report.key) await page.getByLabel('Your OpenPGP public key (optional)').fill(report.key);
  await page.getByLabel('Affected component').fill(report.component);
  await page.getByLabel('Affected versions').fill(report.versions);
  // By role: "Description" alone is also in the label "Yes (say where in the description)".
  await page.getByRole('textbox', { name: /^Description/ }).fill(report.description);
  await page.getByLabel('Steps to reproduce').fill(report.reproduction);
  await page.getByLabel('Impact and attack surface').fill(report.impact);
  await page.getByLabel('Third-party software involved').fill(report.thirdParty);
  await page.getByLabel(report.alreadyPublic).check();
  if (report.attachments.length)
    await page.getByLabel('Proof of concept, logs, screenshots').setInputFiles(report.attachments);
  await page.getByLabel('The name to credit').fill(report.creditName);
  if (report.creditConsent) await page.getByLabel('I agree to be credited publicly under this name').check();
}

/** Clicks what starts a download (a link with `download`, or an answer sent as an attachment) and reads the file. */
export async function download(page: Page, trigger: Locator): Promise<{ filename: string; bytes: Buffer }> {
  const started = page.waitForEvent('download');
  await trigger.click();
  const file = await started;
  const failure = await file.failure();
  if (failure) throw new Error(`downloading ${file.url()} failed: ${failure}`);
  const path = await file.path();
  return { filename: file.suggestedFilename(), bytes: await readFile(path) };
}

/** The primary fingerprint of an armored key, as `gpg --show-keys` reads it (without importing it). */
export async function fingerprintOfKey(gpg: GpgHome, armored: string): Promise<string> {
  const shown = await gpg.must(['--with-colons', '--show-keys'], armored);
  const line = shown.stdout
    .toString('utf8')
    .split('\n')
    .find((l) => l.startsWith('fpr:'));
  if (!line) throw new Error('gpg --show-keys found no key');
  return line.split(':')[9];
}

/** A fingerprint as a page prints it ("ABCD 1234 …" or "abcd1234…"): uppercase hex only. */
export const bareFingerprint = (shown: string): string => shown.replace(/[^0-9a-f]/gi, '').toUpperCase();

/** Opens each mail with `gpg`, as its recipient would, checking each is signed by `signer` and encrypted to one key only. */
export async function openEach(gpg: GpgHome, mails: SentMail[], signer: string): Promise<OpenedMail[]> {
  const opened: OpenedMail[] = [];
  for (const mail of mails) {
    const read = await openMail(gpg, mail);
    expect({ file: mail.file, signer: read.signerFingerprint, recipients: read.recipients.length }).toEqual({
      file: mail.file,
      signer,
      recipients: 1,
    });
    opened.push(read);
  }
  return opened;
}

/** A mail Cordon wrote in plain text (a notice to someone without a key): fails if it is encrypted. */
export async function openPlainMail(mail: SentMail): Promise<{ subject: string; text: string }> {
  if (/Content-Type: multipart\/encrypted/i.test(mail.raw) || mail.raw.includes('-----BEGIN PGP MESSAGE-----')) {
    throw new Error(`${mail.file} is encrypted, not a plain notice`);
  }
  const parsed = await simpleParser(mail.raw);
  return { subject: parsed.subject ?? '', text: parsed.text ?? '' };
}

/**
 * The day at whose end a report's first answer is due, as the admin queue writes it ("Friday
 * 2026-12-04 24:00"): the `businessDays`-th business day (Monday to Friday) after the day, in
 * `zone`, that the report came in `at` (README "Vulnerability reports").
 */
export function ackDueDay(at: Date, zone: string, businessDays = 3): string {
  let day = DateTime.fromJSDate(at, { zone }).startOf('day');
  for (let counted = 0; counted < businessDays;) {
    day = day.plus({ days: 1 });
    if (day.weekday <= 5) counted++;
  }
  return `${day.setLocale('en').toFormat('cccc yyyy-MM-dd')} 24:00`;
}

/** The day a report's fix is due, as the admin queue writes it: `days` calendar days after it came in `at`, in `zone`. */
export function fixDueDay(at: Date, zone: string, days = 60): string {
  return DateTime.fromJSDate(at, { zone }).plus({ days }).setLocale('en').toFormat('cccc yyyy-MM-dd');
}

/** A clock's cell in the admin queue while it runs, due on one of `days` ("running Friday 2026-12-04 24:00 …"). */
export function runningUntil(days: string[]): RegExp {
  return new RegExp(`^running (${[...new Set(days)].join('|')}) `);
}

/**
 * The steps of one journey as tests that run in order, sharing what earlier steps made. Once one
 * fails, each later step fails at once naming it, instead of failing again on what it left undone;
 * `onFailure` sees the step that failed (to take screenshots of where it stood).
 */
export function journeySteps(onFailure: (step: string) => Promise<void>) {
  // Set while a step runs and cleared when it ends well: a step that timed out stays the broken one.
  let broken: string | undefined;
  return (name: string, run: () => Promise<void>, timeoutMs?: number): void => {
    it(
      name,
      async () => {
        if (broken) throw new Error(`not run: the earlier step "${broken}" failed`);
        broken = name;
        try {
          await run();
        } catch (error) {
          await onFailure(name).catch(() => undefined);
          throw error;
        }
        broken = undefined;
      },
      timeoutMs,
    );
  };
}
