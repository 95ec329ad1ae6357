import { DomainError } from '@cordon/errors';
import { Report, ReportStatus } from '../report.entity';

/** The triage steps that move a report, and the states each may start from. */
export type TriageMove = 'acknowledge' | 'ask' | 'accept' | 'reject' | 'duplicate';

/**
 * The report's states (docs/architecture.md, flow "Report"): new → acknowledged ⇄ needs_information
 * → accepted | rejected | duplicate. Asking, accepting, rejecting and marking a duplicate may also be
 * the first answer to a new report; a second question may follow the first. Nothing leaves accepted,
 * rejected or duplicate: those are decided.
 */
const FROM: Record<TriageMove, readonly ReportStatus[]> = {
  acknowledge: ['new'],
  ask: ['new', 'acknowledged', 'needs_information'],
  accept: ['new', 'acknowledged', 'needs_information'],
  reject: ['new', 'acknowledged', 'needs_information'],
  duplicate: ['new', 'acknowledged', 'needs_information'],
};

const DECIDED: Partial<Record<ReportStatus, string>> = {
  accepted: 'it was accepted and is handled under its embargo',
  rejected: 'it was rejected',
  duplicate: 'it was marked a duplicate',
};

/** Refuses a move the report's state does not allow, saying why. */
export function assertMove(report: Report, move: TriageMove, reference: string): void {
  if (FROM[move].includes(report.status)) return;
  const decided = DECIDED[report.status];
  throw new DomainError(
    'WRONG_STATE',
    decided
      ? `${reference} is decided: ${decided}. It cannot be changed any more.`
      : `${reference} is already ${report.status.replace('_', ' ')}.`,
  );
}

/** Refuses a step on a report that was rejected or marked a duplicate. */
export function assertOpen(report: Report, reference: string, what: string): void {
  if (report.closedAt) {
    throw new DomainError('WRONG_STATE', `${reference} is closed (${report.status}): ${what}`);
  }
}
