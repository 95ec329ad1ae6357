import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DomainError } from '@cordon/errors';
import { ReportRecords } from '../report-records';
import { Report } from '../report.entity';
import { assertMove } from './report-transitions';
import { TriageStep } from './triage-step';

const REFERENCE = /^REP-(\d{1,9})$/i;

/**
 * A maintainer marks a report a duplicate of another (issue 13, "Triage"): the report closes and
 * points at the original, and the reporter is told, without the other report's details, which are
 * another reporter's. A duplicate of a duplicate points at the original itself.
 */
@Injectable()
export class MarkDuplicate {
  constructor(
    private readonly triage: TriageStep,
    private readonly records: ReportRecords,
  ) {}

  async execute(reportId: string, maintainerId: string, of: string, now = new Date()): Promise<void> {
    return this.triage.run(reportId, maintainerId, now, async (context) => {
      const { report, manager } = context;
      assertMove(report, 'duplicate', context.reference);
      const original = await this.original(manager, of);
      if (original.id === report.id) {
        // Named itself, or a report already marked a duplicate of this one.
        throw new DomainError(
          'INVALID_INPUT',
          `A report cannot be a duplicate of itself, nor of a report that duplicates it (${context.reference}).`,
          'of',
        );
      }
      await manager.update(Report, report.id, { duplicateOf: original.id });
      await this.triage.moveTo(context, 'duplicate');
      await context.audit('marked_duplicate', { status: 'duplicate', duplicateOf: original.id });
      await context.tell({
        purpose: 'report.duplicate',
        subject: `Your vulnerability report ${context.reference}`,
        text: [
          `The project's maintainers have looked into your report ${context.reference}: it describes an issue they already know of from another report, and they handle it there.`,
          '',
          'Your report is closed as a duplicate. Thank you for taking the time to report it.',
        ].join('\n'),
      });
    });
  }

  /** The report `of` names, by its reference or its id, followed to the original it duplicates. */
  private async original(manager: EntityManager, of: string): Promise<Report> {
    const given = typeof of === 'string' ? of.trim() : '';
    const byReference = REFERENCE.exec(given);
    let found = byReference
      ? await manager.findOne(Report, { where: { number: Number(byReference[1]) } })
      : await this.records.find(manager, given).catch(nullWhenNotFound);
    if (!found) throw new DomainError('INVALID_INPUT', `There is no report ${given || '(none given)'}.`, 'of');
    // A chain is one link long, as each duplicate points at an original; the bound only guards it.
    for (let hops = 0; found.duplicateOf && hops < 10; hops++)
      found = await this.records.find(manager, found.duplicateOf);
    return found;
  }
}

function nullWhenNotFound(error: unknown): null {
  if (error instanceof DomainError && error.code === 'NOT_FOUND') return null;
  throw error;
}
