import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DomainError } from '@cordon/errors';
import { ReportAttachment } from './report-attachment.entity';
import { AttachmentInput, ReportContent } from './report-content';
import { ReportEvent, ReportEventKind } from './report-event.entity';
import { Report } from './report.entity';
import { ReportSeal } from './report-seal';

/** What an event says, sealed in `report_event.body`; each kind sets what it needs. */
export interface ReportEventBody {
  text?: string;
  status?: string;
  to?: { name: string; email: string };
  [fact: string]: unknown;
}

export interface NewReportEvent {
  kind: ReportEventKind;
  /** `maintainer:<id>`, `reporter` or `system`. */
  actor: string;
  shownToReporter: boolean;
  body: ReportEventBody | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The reports lib's rows, sealed and opened in one place: a report and its content, its history,
 * its attachments. Every use case reads and writes them through here, so nothing is stored in the
 * clear by a forgotten path.
 */
@Injectable()
export class ReportRecords {
  constructor(private readonly seal: ReportSeal) {}

  /** The report, locked for the caller's change; NOT_FOUND for an unknown or malformed id. */
  async forUpdate(manager: EntityManager, id: string): Promise<Report> {
    const report = UUID.test(id)
      ? await manager.findOne(Report, { where: { id }, lock: { mode: 'pessimistic_write' } })
      : null;
    if (!report) throw new DomainError('NOT_FOUND', 'There is no such report.');
    return report;
  }

  async find(manager: EntityManager, id: string): Promise<Report> {
    const report = UUID.test(id) ? await manager.findOne(Report, { where: { id } }) : null;
    if (!report) throw new DomainError('NOT_FOUND', 'There is no such report.');
    return report;
  }

  content(report: Report): ReportContent {
    return this.seal.openJson<ReportContent>(report.content, report.id);
  }

  sealContent(reportId: string, content: ReportContent): Buffer {
    return this.seal.sealJson(content, reportId);
  }

  /** The token of the reporter's link, kept sealed beside its hash (report.entity.ts). */
  accessToken(report: Report): string {
    return this.seal.openBytes(report.accessTokenSealed, tokenContext(report.id)).toString('utf8');
  }

  sealAccessToken(reportId: string, token: string): Buffer {
    return this.seal.sealBytes(Buffer.from(token, 'utf8'), tokenContext(reportId));
  }

  async addEvent(manager: EntityManager, reportId: string, event: NewReportEvent, at: Date): Promise<string> {
    const id = randomUUID();
    await manager.insert(ReportEvent, {
      id,
      reportId,
      at,
      kind: event.kind,
      actor: event.actor,
      shownToReporter: event.shownToReporter,
      body: event.body === null ? null : this.seal.sealJson(event.body, id),
    });
    return id;
  }

  eventBody(event: ReportEvent): ReportEventBody | null {
    return event.body === null ? null : this.seal.openJson<ReportEventBody>(event.body, event.id);
  }

  async events(manager: EntityManager, reportId: string): Promise<ReportEvent[]> {
    return manager.find(ReportEvent, { where: { reportId }, order: { at: 'ASC', id: 'ASC' } });
  }

  /** Stores each file sealed with its name and type, for the report itself or for one event. */
  async addAttachments(
    manager: EntityManager,
    reportId: string,
    eventId: string | null,
    files: AttachmentInput[],
  ): Promise<void> {
    for (const file of files) {
      const id = randomUUID();
      const header = Buffer.from(JSON.stringify({ filename: file.filename, contentType: file.contentType }) + '\n');
      await manager.insert(ReportAttachment, {
        id,
        reportId,
        eventId,
        size: file.bytes.length,
        sealed: this.seal.sealBytes(Buffer.concat([header, file.bytes]), id),
      });
    }
  }

  /** Each attachment's name and size (opening the sealed header; the bytes come with `openAttachment`). */
  async attachments(
    manager: EntityManager,
    reportId: string,
  ): Promise<{ id: string; eventId: string | null; filename: string; contentType: string; size: number }[]> {
    const rows = await manager.find(ReportAttachment, { where: { reportId }, order: { id: 'ASC' } });
    return rows.map((row) => {
      const { filename, contentType } = this.openAttachment(row);
      return { id: row.id, eventId: row.eventId, filename, contentType, size: row.size };
    });
  }

  /** One attachment of this report, or null (an id of another report's file finds nothing). */
  async attachmentRow(
    manager: EntityManager,
    reportId: string,
    attachmentId: string,
  ): Promise<ReportAttachment | null> {
    return UUID.test(attachmentId)
      ? manager.findOne(ReportAttachment, { where: { id: attachmentId, reportId } })
      : null;
  }

  openAttachment(row: ReportAttachment): AttachmentInput {
    const opened = this.seal.openBytes(row.sealed, row.id);
    const newline = opened.indexOf(0x0a);
    const header = JSON.parse(opened.subarray(0, newline).toString('utf8')) as Omit<AttachmentInput, 'bytes'>;
    return { ...header, bytes: opened.subarray(newline + 1) };
  }
}

/** The token is sealed apart from the content, so neither opens where the other belongs. */
function tokenContext(reportId: string): string {
  return `${reportId}:access-token`;
}

/** 'REP-7': what maintainers and the reporter call a report. */
export function reportReference(number: number): string {
  return `REP-${number}`;
}
