import { AdvisoryPublisher, AdvisorySource, cvssSentence, endedSentence } from './advisory-source';
import { readVersions } from './version-list';

/** The OSV schema version the records follow (https://ossf.github.io/osv-schema/). */
export const OSV_SCHEMA_VERSION = '1.7.5';

/** An OSV record, as far as Cordon fills it in. */
export interface OsvRecord {
  schema_version: string;
  id: string;
  modified: string;
  published: string;
  aliases?: string[];
  related?: string[];
  summary: string;
  details: string;
  severity?: { type: 'CVSS_V3' | 'CVSS_V4'; score: string }[];
  affected?: { versions: string[] }[];
  credits?: { name: string; type: 'REPORTER' }[];
  references?: { type: 'ADVISORY' | 'WEB'; url: string }[];
  database_specific: Record<string, unknown>;
}

/**
 * An embargo's advisory as an OSV record. The mapping, field by field, is in README.md beside this
 * file; in short:
 * - `id` is `x_EMB-<n>`: OSV reserves the `x_` prefix for databases that osv.dev does not
 *   aggregate, which a list's own record is; the CVE IDs are `aliases` when there is one (the
 *   record describes that vulnerability) and `related` when there are several (the record then
 *   bundles them, which is not what an alias means).
 * - Affected versions become `affected[].versions` only when the text is a plain list of versions.
 *   No `package` is named: Cordon does not know the project's ecosystem, and OSV requires a known
 *   one. Fixed versions cannot honestly become `ranges` (that would claim every earlier version
 *   affected), so they, and the texts as written, go to `database_specific`.
 * - The description and the mitigations are paragraphs of `details` (the mitigations also, as
 *   written, in `database_specific.mitigations`); each reference is `ADVISORY` when its URL names an
 *   advisory and `WEB` otherwise.
 */
export function osvAdvisory(source: AdvisorySource, publisher: AdvisoryPublisher): OsvRecord {
  const affected = readVersions(source.affectedVersions);
  const fixed = readVersions(source.fixedVersions);
  const record: OsvRecord = {
    schema_version: OSV_SCHEMA_VERSION,
    id: `x_${source.tag}`,
    modified: source.modifiedAt.toISOString(),
    published: source.releasedAt.toISOString(),
    summary: source.title,
    details: details(source, publisher),
    database_specific: {
      publisher: publisher.name,
      publisher_url: publisher.namespace,
      embargo: source.tag,
      embargo_status: source.status,
      ...(source.affectedVersions && { affected_versions_text: source.affectedVersions }),
      ...(source.fixedVersions && { fixed_versions_text: source.fixedVersions }),
      ...(fixed.kind === 'list' && { fixed_versions: fixed.versions }),
      ...(source.cvss && { cvss_score: source.cvss.score, cvss_severity: source.cvss.severity }),
      ...(source.mitigations && { mitigations: source.mitigations }),
    },
  };
  if (source.cveIds.length === 1) record.aliases = [...source.cveIds];
  if (source.cveIds.length > 1) record.related = [...source.cveIds];
  if (source.cvss) {
    record.severity = [{ type: source.cvss.version === '3.1' ? 'CVSS_V3' : 'CVSS_V4', score: source.cvss.vector }];
  }
  if (affected.kind === 'list') record.affected = [{ versions: affected.versions }];
  if (source.reporterCredit) record.credits = [{ name: source.reporterCredit, type: 'REPORTER' }];
  if (source.references.length) {
    record.references = source.references.map((url) => ({ type: /advisor/i.test(url) ? 'ADVISORY' : 'WEB', url }));
  }
  return record;
}

/** `details` is CommonMark (OSV schema, "summary, details fields"): the maintainers' text is escaped. */
function details(source: AdvisorySource, publisher: AdvisoryPublisher): string {
  const paragraphs = [markdownInline(source.title)];
  if (source.description) paragraphs.push(markdownInline(source.description));
  if (source.cveIds.length) paragraphs.push(`CVE: ${source.cveIds.join(', ')}`);
  if (source.affectedVersions) paragraphs.push(`Affected versions: ${markdownInline(source.affectedVersions)}`);
  if (source.fixedVersions) paragraphs.push(`Fixed in: ${markdownInline(source.fixedVersions)}`);
  if (source.cvss) paragraphs.push(markdownInline(cvssSentence(source.cvss)));
  if (source.mitigations) paragraphs.push(`Mitigations: ${markdownInline(source.mitigations)}`);
  if (source.reporterCredit) paragraphs.push(`Reported by: ${markdownInline(source.reporterCredit)}`);
  paragraphs.push(markdownInline(endedSentence(source, publisher)));
  return paragraphs.map(literalLines).join('\n\n');
}

/**
 * Free text as literal CommonMark, so that a reader that renders `details` shows the text as the
 * maintainers wrote it, never as markup or HTML: ASCII punctuation that can open inline markup is
 * backslash-escaped (CommonMark §2.4)...
 */
function markdownInline(text: string): string {
  return text.replace(/[\\`*_{}[\]<>#!|&~]/g, (c) => `\\${c}`);
}

/**
 * ...and no line of a paragraph can open a block: indentation (a code block) is dropped, and a
 * list marker, or a line that would underline a heading, is escaped.
 */
function literalLines(paragraph: string): string {
  return paragraph
    .split('\n')
    .map((line) =>
      line
        .trim()
        .replace(/^([-+])(?=\s|$)/, '\\$1')
        .replace(/^(\d{1,9})([.)])(?=\s|$)/, '$1\\$2')
        .replace(/^([=-]+)$/, (run) => `\\${run}`),
    )
    .join('\n');
}
