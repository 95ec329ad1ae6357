import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { DomainError } from '@cordon/errors';
import { Embargo } from '../embargo.entity';
import { advisorySourceOf } from './advisory-source';
import { csafAdvisory, CsafDocument, csafFileName } from './csaf';
import { osvAdvisory, OsvRecord } from './osv';

export type AdvisoryFormat = 'osv' | 'csaf';
export const advisoryFormats: AdvisoryFormat[] = ['osv', 'csaf'];

export interface AdvisoryFile {
  /** The name CSAF (§5.1) or OSV (the record's ID) gives the file. */
  fileName: string;
  document: OsvRecord | CsafDocument;
}

/**
 * Exports an ended embargo's advisory as OSV or CSAF 2.0 (issue 6, "After the embargo"). An active
 * embargo is refused (WRONG_STATE), so the advisory cannot leave before the public moment; every
 * export is audited, with ids only, in the transaction that read the embargo.
 */
@Injectable()
export class ExportAdvisory {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  execute(id: string, format: AdvisoryFormat, maintainerId: string, now = new Date()): Promise<AdvisoryFile> {
    if (!advisoryFormats.includes(format)) {
      throw new DomainError('INVALID_INPUT', `The format must be one of: ${advisoryFormats.join(', ')}.`, 'format');
    }
    return this.dataSource.transaction(async (manager) => {
      const embargo = /^[0-9a-f-]{36}$/i.test(id) ? await manager.findOneBy(Embargo, { id }) : null;
      if (!embargo) throw new DomainError('NOT_FOUND', 'There is no such embargo.');
      const source = advisorySourceOf(embargo);
      const publisher = { name: this.settings.LIST_NAME, namespace: this.settings.publicUrl };
      const file: AdvisoryFile =
        format === 'osv'
          ? { fileName: `x_${source.tag}.json`, document: osvAdvisory(source, publisher) }
          : { fileName: csafFileName(source.tag), document: csafAdvisory(source, publisher, now) };
      await this.audit.append(manager, {
        actor: `maintainer:${maintainerId}`,
        action: 'embargo.advisory_exported',
        subject: `embargo:${embargo.id}`,
        details: { number: embargo.number, format },
      });
      return file;
    });
  }
}

/**
 * The document as a file: indented JSON in which `<`, `>` and `&` are written as \u escapes, so that
 * no browser or viewer that sniffs the bytes can take the maintainers' text for markup. It parses
 * to exactly the same values (RFC 8259 §7).
 */
export function advisoryJson(document: object): string {
  return JSON.stringify(document, null, 2).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
