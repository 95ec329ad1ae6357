import { Injectable } from '@nestjs/common';
import { DomainError } from '@cordon/errors';
import { Report } from '../report.entity';
import { assertOpen } from './report-transitions';
import { TriageStep } from './triage-step';

/**
 * A maintainer names the one maintainer who handles a report, or clears it (issue 13: "a handler
 * (one maintainer) per report"). Internal: the reporter is not told who.
 */
@Injectable()
export class AssignHandler {
  constructor(private readonly triage: TriageStep) {}

  async execute(
    reportId: string,
    actorMaintainerId: string,
    handlerId: string | null,
    now = new Date(),
  ): Promise<void> {
    return this.triage.run(reportId, actorMaintainerId, now, async (context) => {
      const { report, manager } = context;
      assertOpen(report, context.reference, 'it needs no handler.');
      if (handlerId !== null && !(await this.triage.isActive(manager, handlerId))) {
        throw new DomainError('INVALID_INPUT', 'The handler must be an active maintainer.', 'handlerId');
      }
      if (report.handlerId === handlerId) return;
      await manager.update(Report, report.id, { handlerId, updatedAt: now });
      await context.event('handler', false, { handlerId });
      await context.audit('handler_assigned', { handler: handlerId, previous: report.handlerId });
    });
  }
}
