/**
 * What the triage specs of the reports lib share: a maintainer who may triage (enrolled, with its
 * second factor, as one who signs in to the admin UI), reports filed through FileReport, and a
 * picture of every row to show a refused step changed nothing.
 */
import { Secret, TOTP } from 'otpauth';
import { DomainError } from '@cordon/errors';
import { AddMaintainer, CompleteEnrolment, ConfirmTotpEnrolment, StartTotpEnrolment } from '@cordon/maintainers';
import { FileReport, FiledReport, NewReport, Report } from '@cordon/reports';
import { anOpenpgpKey, TestKey } from './keys';
import { aReport, ReportsTestbed } from './reports-testbed';

export interface ActiveMaintainer {
  id: string;
  email: string;
  key: TestKey;
}

/** A maintainer added, enrolled and with TOTP confirmed: 'active', as MaintainerLookup.isActive asks. */
export async function anActiveMaintainer(
  bed: ReportsTestbed,
  email: string,
  name = 'Tom Triage',
): Promise<ActiveMaintainer> {
  const key = await anOpenpgpKey(email, name);
  const added = await bed.get(AddMaintainer).execute({ email, name, keyArmored: key.publicKey }, undefined, 'cli');
  await bed.get(CompleteEnrolment).execute(added.enrolmentUrl.split('/').pop()!, 'correct horse battery staple');
  const { secret } = await bed.get(StartTotpEnrolment).execute(added.maintainerId);
  const totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
  await bed.get(ConfirmTotpEnrolment).execute(added.maintainerId, totp.generate(), '192.0.2.10');
  return { id: added.maintainerId, email, key };
}

/** A report filed by mail (so a reporter with a key is mailed), received at `at`. */
export function fileReport(
  bed: ReportsTestbed,
  at: Date,
  overrides: Parameters<typeof aReport>[0] = {},
): Promise<FiledReport> {
  const report: NewReport = aReport(overrides);
  return bed.get(FileReport).execute(report, 'mail', at);
}

/** Every row of every table, in an order that does not depend on how the database scans them. */
export async function everyRow(bed: ReportsTestbed): Promise<string> {
  return (await bed.everyRowAsText()).split('\n').sort().join('\n');
}

/** The report's row as stored. */
export function reportRow(bed: ReportsTestbed, id: string): Promise<Report> {
  return bed.dataSource.manager.findOneByOrFail(Report, { id });
}

/** The audit entries about a report, oldest first. */
export async function reportAudits(
  bed: ReportsTestbed,
  id: string,
): Promise<{ action: string; details: Record<string, unknown> }[]> {
  return (await bed.dataSource.query(`SELECT action, details FROM audit_entry WHERE subject = $1 ORDER BY seq`, [
    `report:${id}`,
  ])) as { action: string; details: Record<string, unknown> }[];
}

/** Runs a step that must be refused with `code` (and `field`), and shows that no row changed. */
export async function expectRefused(
  bed: ReportsTestbed,
  step: () => Promise<unknown>,
  code: string,
  field?: string,
): Promise<DomainError> {
  const before = await everyRow(bed);
  const error = await step().then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  expect(error).toMatchObject({ code, ...(field ? { field } : {}) });
  expect(await everyRow(bed)).toBe(before);
  return error as DomainError;
}
