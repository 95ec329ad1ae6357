import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor, AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { Outbox } from '@cordon/delivery';
import { DomainError } from '@cordon/errors';
import { MaintainerLookup } from '@cordon/maintainers';
import { MemberLookup } from '@cordon/membership';
import { embargoTag } from '../embargo-queries';
import { Embargoes } from '../embargoes';
import { Embargo } from '../embargo.entity';
import { LeakReport } from './leak-report.entity';
import { leakReportMail } from './leak-report-mail';
import { Strike } from './strike.entity';

/** Who files a leak report, by which path (issue 5, "Leak reports"). */
export type LeakReporter =
  | { kind: 'member'; memberId: string } // member self-service
  | { kind: 'maintainer'; maintainerId: string } // admin UI / API
  | { kind: 'public'; contact: string | null } // public form (optional contact address)
  | { kind: 'mail'; memberId: string }; // signed mail to distributors-leaks@ by a member's key

export interface LeakReportInput {
  /** Which embargo, if known. */
  embargoId: string | null;
  whatLeaked: string;
  leakedTo: string;
  /** When, if known. */
  leakedAt: Date | null;
  /** May be empty. */
  evidence: string;
  /** The reporter itself leaked. */
  selfReported: boolean;
  /** Maintainers may name a member when filing; a hint for triage, not an attribution. */
  suspectedMemberId?: string | null;
}

export const LEAK_TEXT_MAX = 5000;
export const LEAK_EVIDENCE_MAX = 20000;
const REASON_MIN = 10;
const REASON_MAX = 2000;
// A clock a little ahead is not a lie; a leak next week is.
const FUTURE_SKEW_MS = 10 * 60 * 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// One bare addr-spec (RFC 5322 §3.4.1), as the Outbox takes.
const BARE_ADDRESS = /^[^\s@<>(),;:"\\[\]]+@[^\s@<>(),;:"\\[\]]+$/;

/**
 * Leak reports and their triage (docs/architecture.md, flow "Leak"). Filing records the report, audits it
 * (without its text: the audit log is not encrypted) and tells each active maintainer, encrypted,
 * in the caller's transaction. Triage is once: a report is dismissed, or confirmed and attributed
 * to a member, which adds a strike. What a strike leads to (removal at the threshold, bans) is
 * ConfirmLeak's part, which calls `confirm` inside its own transaction.
 */
@Injectable()
export class LeakReports {
  constructor(
    private readonly audit: AuditLog,
    private readonly outbox: Outbox,
    private readonly embargoes: Embargoes,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async file(
    manager: EntityManager,
    input: LeakReportInput,
    reporter: LeakReporter,
    now = new Date(),
  ): Promise<{ id: string }> {
    const whatLeaked = text(input.whatLeaked, 'whatLeaked', LEAK_TEXT_MAX);
    if (!whatLeaked) throw invalid('Say what leaked.', 'whatLeaked');
    const leakedTo = text(input.leakedTo, 'leakedTo', LEAK_TEXT_MAX);
    if (!leakedTo) throw invalid('Say to whom it leaked (or that you do not know).', 'leakedTo');
    const evidence = text(input.evidence, 'evidence', LEAK_EVIDENCE_MAX);
    const leakedAt = when(input.leakedAt, now);
    if (typeof input.selfReported !== 'boolean') throw invalid('Say whether you leaked it yourself.', 'selfReported');
    const suspected = input.suspectedMemberId ?? null;
    if (suspected !== null && reporter.kind !== 'maintainer') {
      throw invalid('Only maintainers name a suspected member.', 'suspectedMemberId');
    }
    const embargo = input.embargoId === null ? null : await this.embargo(manager, input.embargoId);
    if (suspected !== null) await this.member(manager, suspected, 'suspectedMemberId');
    const who = await this.reporter(manager, reporter);

    const report = manager.create(LeakReport, {
      id: randomUUID(),
      embargoId: embargo?.id ?? null,
      whatLeaked,
      leakedTo,
      leakedAt,
      evidence,
      selfReported: input.selfReported,
      reporterKind: reporter.kind,
      reporterMemberId: reporter.kind === 'member' || reporter.kind === 'mail' ? reporter.memberId : null,
      reporterMaintainerId: reporter.kind === 'maintainer' ? reporter.maintainerId : null,
      reporterContact: who.contact,
      suspectedMemberId: suspected,
      status: 'open',
      attributedMemberId: null,
      triageReason: null,
      triagedBy: null,
      triagedAt: null,
      embargoBroken: false,
      createdAt: now,
    });
    await manager.insert(LeakReport, report);
    await this.audit.append(manager, {
      actor: who.actor,
      action: 'leak.reported',
      subject: `leak_report:${report.id}`,
      // Facts only: what leaked and the evidence may be embargoed information themselves.
      details: {
        via: reporter.kind,
        memberId: report.reporterMemberId ?? undefined,
        embargoId: report.embargoId,
        embargo: embargo ? embargoTag(embargo.number) : null,
        selfReported: report.selfReported,
        suspectedMemberId: suspected ?? undefined,
      },
    });
    await this.tellMaintainers(manager, report, embargo, who.description);
    return { id: report.id };
  }

  /** Not a leak, or not one that can be attributed. Final. */
  async dismiss(
    manager: EntityManager,
    reportId: string,
    reason: string,
    maintainerId: string,
    now = new Date(),
  ): Promise<LeakReport> {
    const why = triageReason(reason);
    const report = await this.openForUpdate(manager, reportId);
    const actor: Actor = `maintainer:${maintainerId}`;
    Object.assign(report, { status: 'dismissed', triageReason: why, triagedBy: maintainerId, triagedAt: now });
    await manager.update(LeakReport, report.id, {
      status: 'dismissed',
      triageReason: why,
      triagedBy: maintainerId,
      triagedAt: now,
    });
    await this.audit.append(manager, {
      actor,
      action: 'leak.dismissed',
      subject: `leak_report:${report.id}`,
      details: { reason: why },
    });
    return report;
  }

  /**
   * Attributes the leak to a member and adds a strike; with `embargoBroken` the report's embargo
   * ends as broken. Final. Returns the member's strikes, this one included. The caller holds the
   * member's row lock, so strikes on one member are counted one confirmation at a time.
   */
  async confirm(
    manager: EntityManager,
    reportId: string,
    memberId: string,
    reason: string,
    maintainerId: string,
    options: { embargoBroken?: boolean } = {},
    now = new Date(),
  ): Promise<{ report: LeakReport; strikes: number; broken: Embargo | null }> {
    const why = triageReason(reason);
    const report = await this.openForUpdate(manager, reportId);
    await this.member(manager, memberId, 'memberId');
    const actor: Actor = `maintainer:${maintainerId}`;
    const broken = options.embargoBroken === true;
    if (broken) {
      if (!report.embargoId) {
        throw invalid('This report names no embargo: there is none to mark broken.', 'embargoBroken');
      }
      const [embargo] = (await manager.query('SELECT status FROM embargo WHERE id = $1', [report.embargoId])) as {
        status: string;
      }[];
      if (embargo?.status !== 'active') {
        throw invalid(`The embargo is already ${embargo?.status ?? 'gone'}: it cannot be broken now.`, 'embargoBroken');
      }
    }
    Object.assign(report, {
      status: 'confirmed',
      attributedMemberId: memberId,
      triageReason: why,
      triagedBy: maintainerId,
      triagedAt: now,
      embargoBroken: broken,
    });
    await manager.update(LeakReport, report.id, {
      status: 'confirmed',
      attributedMemberId: memberId,
      triageReason: why,
      triagedBy: maintainerId,
      triagedAt: now,
      embargoBroken: broken,
    });
    await this.audit.append(manager, {
      actor,
      action: 'leak.confirmed',
      subject: `leak_report:${report.id}`,
      details: { memberId, reason: why, embargoId: report.embargoId, embargoBroken: broken },
    });
    await manager.insert(Strike, {
      id: randomUUID(),
      memberId,
      leakReportId: report.id,
      createdBy: actor,
      createdAt: now,
    });
    const strikes = await this.strikes(manager, memberId);
    await this.audit.append(manager, {
      actor,
      action: 'member.strike_added',
      subject: `member:${memberId}`,
      details: { leakReportId: report.id, strikes },
    });
    const brokenEmbargo = broken
      ? await this.embargoes.markBroken(manager, report.embargoId!, `Leak confirmed: report ${report.id}.`, actor, now)
      : null;
    return { report, strikes, broken: brokenEmbargo };
  }

  async strikes(manager: EntityManager, memberId: string): Promise<number> {
    const [{ count }] = (await manager.query('SELECT count(*)::int AS count FROM strike WHERE member_id = $1', [
      memberId,
    ])) as { count: number }[];
    return Number(count);
  }

  private async openForUpdate(manager: EntityManager, id: string): Promise<LeakReport> {
    const report = UUID.test(id)
      ? await manager.findOne(LeakReport, { where: { id }, lock: { mode: 'pessimistic_write' } })
      : null;
    if (!report) throw new DomainError('NOT_FOUND', 'There is no such leak report.');
    if (report.status !== 'open') {
      throw new DomainError('WRONG_STATE', `This leak report is already ${report.status}; triage is final.`);
    }
    return report;
  }

  private async embargo(manager: EntityManager, id: string): Promise<{ id: string; number: number; title: string }> {
    const [row] = UUID.test(id)
      ? ((await manager.query('SELECT id, number, title FROM embargo WHERE id = $1', [id])) as {
          id: string;
          number: number;
          title: string;
        }[])
      : [];
    if (!row) throw invalid('There is no such embargo.', 'embargoId');
    return row;
  }

  private async member(manager: EntityManager, id: string, field: string): Promise<{ organisation: string }> {
    const member = await new MemberLookup().byId(manager, id);
    if (!member) throw invalid('There is no such member.', field);
    return member;
  }

  /** Who filed it, for the audit log and the maintainers' notice; refuses a reporter that may not file. */
  private async reporter(
    manager: EntityManager,
    reporter: LeakReporter,
  ): Promise<{ actor: Actor; description: string; contact: string | null }> {
    switch (reporter.kind) {
      case 'member':
      case 'mail': {
        const row = await new MemberLookup().byId(manager, reporter.memberId);
        // A suspended member must still report; a removed one has the public form like anyone else.
        if (!row || !['active', 'suspended'].includes(row.status)) {
          throw new DomainError('FORBIDDEN', 'Only a member can file a leak report this way.');
        }
        const via = reporter.kind === 'mail' ? 'signed mail' : 'self-service';
        return {
          actor: `member:${reporter.memberId}`,
          description: `member ${row.organisation} (${via})`,
          contact: null,
        };
      }
      case 'maintainer': {
        const row = (await new MaintainerLookup().byIds(manager, [reporter.maintainerId])).get(reporter.maintainerId);
        if (row?.status !== 'active')
          throw new DomainError('FORBIDDEN', 'Only an active maintainer can file a leak report this way.');
        return { actor: `maintainer:${reporter.maintainerId}`, description: `maintainer ${row.name}`, contact: null };
      }
      case 'public': {
        const contact = reporter.contact?.trim() || null;
        if (contact !== null && (contact.length > 254 || !BARE_ADDRESS.test(contact))) {
          throw invalid('Give one e-mail address, or leave it empty.', 'contact');
        }
        return { actor: 'anonymous', description: 'the public leak form', contact };
      }
    }
  }

  /** Each active maintainer gets the report, encrypted to its key alone; it is never logged. */
  private async tellMaintainers(
    manager: EntityManager,
    report: LeakReport,
    embargo: { number: number; title: string } | null,
    reporter: string,
  ): Promise<void> {
    const mail = leakReportMail(
      this.settings,
      report,
      embargo && { tag: embargoTag(embargo.number), ...embargo },
      reporter,
    );
    await this.outbox.sendToMaintainers(manager, { purpose: 'leak.reported', ...mail });
  }
}

function invalid(message: string, field: string): DomainError {
  return new DomainError('INVALID_INPUT', message, field);
}

/** Trimmed free text, bounded; control characters other than line breaks and tabs refused. */
function text(value: unknown, field: string, max: number): string {
  if (value !== undefined && value !== null && typeof value !== 'string') throw invalid('Give text.', field);
  const trimmed = (value ?? '').trim();
  if (trimmed.length > max) throw invalid(`At most ${max} characters.`, field);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(trimmed)) {
    throw invalid('Control characters are not allowed.', field);
  }
  return trimmed;
}

function when(value: Date | null, now: Date): Date | null {
  if (value === null || value === undefined) return null;
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw invalid('Give a date and time.', 'leakedAt');
  if (value.getTime() > now.getTime() + FUTURE_SKEW_MS) throw invalid('A leak cannot be in the future.', 'leakedAt');
  if (value.getUTCFullYear() < 1990) throw invalid('Give a date and time after 1990.', 'leakedAt');
  return value;
}

function triageReason(reason: string): string {
  const why = text(reason, 'reason', REASON_MAX);
  if (why.length < REASON_MIN) throw invalid(`Give the reason in at least ${REASON_MIN} characters.`, 'reason');
  return why;
}
