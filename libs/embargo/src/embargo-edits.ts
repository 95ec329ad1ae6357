import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor, AuditLog } from '@cordon/audit';
import { DomainError } from '@cordon/errors';
import { Embargo } from './embargo.entity';
import { cves, DESCRIPTION_MAX, invalid, listOf, MITIGATIONS_MAX, referenceUrls, text } from './embargo-fields';

/**
 * What a maintainer may change of an embargo after recording it (issue 14). A field left out is
 * unchanged; lists may come as one text (a form's field), split on white space and commas.
 */
export interface EmbargoEdit {
  title?: string;
  cveIds?: string[] | string;
  affectedVersions?: string;
  fixedVersions?: string;
  description?: string;
  mitigations?: string;
  references?: string[] | string;
}

export type EditedField = keyof EmbargoEdit;

/** The fields a member must know of when they change while the embargo runs: they change its work. */
export const memberRelevantFields: readonly EditedField[] = [
  'cveIds',
  'affectedVersions',
  'fixedVersions',
  'mitigations',
];

type Values = Pick<
  Embargo,
  'title' | 'cveIds' | 'affectedVersions' | 'fixedVersions' | 'description' | 'mitigations' | 'referenceUrls'
>;
const columnOf: Record<EditedField, keyof Values> = {
  title: 'title',
  cveIds: 'cveIds',
  affectedVersions: 'affectedVersions',
  fixedVersions: 'fixedVersions',
  description: 'description',
  mitigations: 'mitigations',
  references: 'referenceUrls',
};

export interface EditedEmbargo {
  embargo: Embargo;
  /** The fields whose value changed, in a fixed order; empty when the edit changed nothing. */
  changed: EditedField[];
}

/**
 * Edits an embargo's facts in the caller's transaction: every given field is checked before any is
 * written, so one refusal changes nothing. An active embargo takes any of them; an ended one too,
 * since its advisory is what the maintainers publish after a lift or a break (OSV and CSAF read
 * these fields). One audit entry names the changed fields, the CVE IDs before and after, and of
 * free text only its length (the text itself is embargoed information).
 */
@Injectable()
export class EmbargoEdits {
  constructor(private readonly audit: AuditLog) {}

  async edit(
    manager: EntityManager,
    id: string,
    changes: EmbargoEdit,
    actor: Actor,
    now = new Date(),
  ): Promise<EditedEmbargo> {
    const given = read(changes);
    const embargo = /^[0-9a-f-]{36}$/i.test(id)
      ? await manager.findOne(Embargo, { where: { id }, lock: { mode: 'pessimistic_write' } })
      : null;
    if (!embargo) throw new DomainError('NOT_FOUND', 'There is no such embargo.');
    const changed = (Object.keys(columnOf) as EditedField[]).filter((field) => {
      const column = columnOf[field];
      return given[column] !== undefined && !same(given[column], embargo[column]);
    });
    if (!changed.length) return { embargo, changed };
    const before = { cveIds: embargo.cveIds };
    const update: Partial<Values> & { updatedAt: Date } = { updatedAt: now };
    for (const field of changed) Object.assign(update, { [columnOf[field]]: given[columnOf[field]] });
    Object.assign(embargo, update);
    await manager.update(Embargo, embargo.id, update);
    await this.audit.append(manager, {
      actor,
      action: 'embargo.edited',
      subject: `embargo:${embargo.id}`,
      details: {
        number: embargo.number,
        status: embargo.status,
        fields: changed,
        ...(changed.includes('cveIds') && { cveIds: { from: before.cveIds, to: embargo.cveIds } }),
        ...(changed.includes('references') && { references: embargo.referenceUrls.length }),
        lengths: Object.fromEntries(
          changed
            .filter((field) => field !== 'cveIds' && field !== 'references')
            .map((field) => [field, String(embargo[columnOf[field]]).length]),
        ),
      },
    });
    return { embargo, changed };
  }
}

/** Every given field read and checked, by column; a refusal names the field as the forms do. */
function read(changes: EmbargoEdit): Partial<Values> {
  const values: Partial<Values> = {};
  if (changes.title !== undefined) {
    const title = text(changes.title, 'title', 200);
    if (!title) throw invalid('Give the embargo a title.', 'title');
    if (/[\r\n]/.test(title)) throw invalid('A title is one line.', 'title');
    values.title = title;
  }
  if (changes.cveIds !== undefined) values.cveIds = cves(listOf(changes.cveIds));
  if (changes.affectedVersions !== undefined) {
    values.affectedVersions = text(changes.affectedVersions, 'affectedVersions');
  }
  if (changes.fixedVersions !== undefined) values.fixedVersions = text(changes.fixedVersions, 'fixedVersions');
  if (changes.description !== undefined) {
    values.description = text(changes.description, 'description', DESCRIPTION_MAX);
  }
  if (changes.mitigations !== undefined) {
    values.mitigations = text(changes.mitigations, 'mitigations', MITIGATIONS_MAX);
  }
  if (changes.references !== undefined) values.referenceUrls = referenceUrls(changes.references);
  return values;
}

function same(a: unknown, b: unknown): boolean {
  return Array.isArray(a) && Array.isArray(b) ? a.length === b.length && a.every((v, i) => v === b[i]) : a === b;
}
