import { AdvisoryPublisher, AdvisorySource, cvssSentence, endedSentence } from './advisory-source';
import { readVersions, VersionText } from './version-list';

type Note = { category: 'description' | 'general' | 'summary' | 'other'; title: string; text: string };
type Product = { name: string; product_id: string };
type Reference = { category: 'external'; summary: string; url: string };

/** A CSAF 2.0 document, as far as Cordon fills it in (OASIS CSAF 2.0, JSON schema csaf_json_schema.json). */
export interface CsafDocument {
  document: {
    category: 'csaf_security_advisory' | 'csaf_base';
    csaf_version: '2.0';
    lang: 'en';
    title: string;
    publisher: { category: 'vendor'; name: string; namespace: string };
    notes: Note[];
    references?: Reference[];
    tracking: {
      id: string;
      status: 'final';
      version: '1';
      initial_release_date: string;
      current_release_date: string;
      revision_history: { date: string; number: '1'; summary: string }[];
      generator: { engine: { name: string }; date: string };
    };
  };
  product_tree?: { full_product_names: Product[] };
  vulnerabilities: Record<string, unknown>[];
}

/**
 * An embargo's advisory as a CSAF 2.0 document. The mapping is in README.md beside this file; in
 * short:
 * - The publisher is the list (LIST_NAME, PUBLIC_URL as namespace), of category `vendor`: the
 *   maintainers who run a Cordon list are the project's security team.
 * - `tracking.id` is the embargo tag; `initial_release_date` is when the embargo ended.
 * - Each affected version (or the affected text as a whole, when it is not a plain list) is a
 *   product named as given, listed `known_affected`; likewise fixed versions, listed `fixed`.
 *   Cordon knows no product name, so it invents none.
 * - The profile is `csaf_security_advisory` when there is a product to speak of, and `csaf_base`
 *   otherwise (that profile requires product status).
 * - One vulnerability per CVE ID (one without `cve` when there is none), each with the embargo's
 *   CVSS: a v3.1 vector as `scores[].cvss_v3` for the affected products; a v4.0 vector, which CSAF
 *   2.0 has no place for, in a note.
 * - The description joins the title in the `description` note; the mitigations are a `mitigation`
 *   remediation for the affected products (a note when there is none); the references are
 *   `external` references of the document and of each vulnerability.
 */
export function csafAdvisory(source: AdvisorySource, publisher: AdvisoryPublisher, now = new Date()): CsafDocument {
  const released = source.releasedAt.toISOString();
  const affected = products(readVersions(source.affectedVersions), 'AFFECTED');
  const fixed = products(readVersions(source.fixedVersions), 'FIXED');
  const knownAffected = affected.map((p) => p.product_id);
  const hasProducts = affected.length + fixed.length > 0;
  const description = [source.title];
  if (source.description) description.push(source.description);
  if (source.affectedVersions) description.push(`Affected versions: ${source.affectedVersions}`);
  if (source.fixedVersions) description.push(`Fixed in: ${source.fixedVersions}`);
  const notes: Note[] = [{ category: 'description', title: 'Description', text: description.join('\n\n') }];
  const scores =
    source.cvss?.version === '3.1' && knownAffected.length
      ? [
          {
            cvss_v3: {
              version: '3.1',
              vectorString: source.cvss.vector,
              baseScore: source.cvss.baseScore,
              baseSeverity: source.cvss.baseSeverity.toUpperCase(),
            },
            products: knownAffected,
          },
        ]
      : undefined;
  if (source.cvss && !scores) {
    notes.push({ category: 'other', title: `CVSS v${source.cvss.version}`, text: cvssSentence(source.cvss) });
  }
  const status: Record<string, string[]> = {};
  if (knownAffected.length) status.known_affected = knownAffected;
  if (fixed.length) status.fixed = fixed.map((p) => p.product_id);
  const remediations = [
    ...(source.fixedVersions && knownAffected.length
      ? [{ category: 'vendor_fix', details: `Fixed in: ${source.fixedVersions}`, product_ids: knownAffected }]
      : []),
    // A remediation names its products (CSAF 2.0 §6.1.29): without an affected product, a note.
    ...(source.mitigations && knownAffected.length
      ? [{ category: 'mitigation', details: source.mitigations, product_ids: knownAffected }]
      : []),
  ];
  if (source.mitigations && !knownAffected.length) {
    notes.push({ category: 'general', title: 'Mitigations', text: source.mitigations });
  }
  const references: Reference[] = source.references.map((url) => ({
    category: 'external',
    summary: `Reference: ${new URL(url).hostname}`,
    url,
  }));
  const vulnerability = {
    title: source.title,
    ids: [{ system_name: `${publisher.name} embargo`, text: source.tag }],
    release_date: released,
    notes,
    ...(hasProducts && { product_status: status }),
    ...(scores && { scores }),
    ...(remediations.length && { remediations }),
    ...(references.length && { references }),
    ...(source.reporterCredit && { acknowledgments: [{ names: [source.reporterCredit] }] }),
  };
  const cves = source.cveIds.length ? source.cveIds : [null];
  return {
    document: {
      category: hasProducts ? 'csaf_security_advisory' : 'csaf_base',
      csaf_version: '2.0',
      lang: 'en',
      title: source.title,
      publisher: { category: 'vendor', name: publisher.name, namespace: publisher.namespace },
      notes: [{ category: 'general', title: 'Disclosure', text: endedSentence(source, publisher) }],
      ...(references.length && { references }),
      tracking: {
        id: source.tag,
        status: 'final',
        version: '1',
        initial_release_date: released,
        current_release_date: released,
        revision_history: [{ date: released, number: '1', summary: 'Initial release.' }],
        generator: { engine: { name: 'Cordon' }, date: now.toISOString() },
      },
    },
    ...(hasProducts && { product_tree: { full_product_names: [...affected, ...fixed] } }),
    vulnerabilities: cves.map((cve) => ({ ...(cve && { cve }), ...vulnerability })),
  };
}

/** CSAF's file name for a document (CSAF 2.0 §5.1): the tracking ID, lower case, other characters as `_`. */
export function csafFileName(trackingId: string): string {
  return `${trackingId.toLowerCase().replace(/[^+\-a-z0-9]+/g, '_')}.json`;
}

function products(versions: VersionText, prefix: string): Product[] {
  switch (versions.kind) {
    case 'none':
      return [];
    case 'list':
      return versions.versions.map((name, i) => ({ name, product_id: `CSAFPID-${prefix}-${i + 1}` }));
    case 'text':
      return [{ name: versions.text, product_id: `CSAFPID-${prefix}` }];
  }
}
