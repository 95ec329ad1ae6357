import { DomainError } from '@cordon/errors';

/**
 * How an embargo's fields are read from what a maintainer gives (issue 5; issue 14 adds the
 * description, mitigations and references): trimmed and bounded free text without control
 * characters, CVE IDs in their one form, and references that are plain http(s) URLs. Free text is
 * shown escaped and is never HTML (docs/architecture.md, "Security").
 */
export const TEXT_MAX = 2000;
export const DESCRIPTION_MAX = 10_000;
export const MITIGATIONS_MAX = 5000;
export const REFERENCES_MAX = 20;
const REFERENCE_MAX = 2000;
const CVE_ID = /^CVE-\d{4}-\d{4,7}$/;

export function invalid(message: string, field: string): DomainError {
  return new DomainError('INVALID_INPUT', message, field);
}

/** Trimmed free text, bounded; control characters other than line breaks and tabs refused. */
export function text(value: string | undefined, field: string, max = TEXT_MAX): string {
  const trimmed = (value ?? '').trim();
  if (trimmed.length > max) throw invalid(`At most ${max} characters.`, field);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(trimmed))
    throw invalid('Control characters are not allowed.', field);
  return trimmed;
}

/** A list given as one text (a form's field) is split on white space, commas and semicolons. */
export function listOf(value: string[] | string | undefined): string[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? value.split(/[\s,;]+/).filter(Boolean) : value;
}

export function cves(ids: string[]): string[] {
  const normalised = [...new Set(ids.map((id) => id.trim().toUpperCase()).filter(Boolean))];
  if (normalised.length > 20) throw invalid('At most 20 CVE IDs.', 'cveIds');
  const bad = normalised.find((id) => !CVE_ID.test(id));
  if (bad) throw invalid(`${bad.slice(0, 30)} is not a CVE ID (CVE-YYYY-NNNN).`, 'cveIds');
  return normalised;
}

/**
 * References: at most 20 absolute http(s) URLs without credentials, each kept in its parsed form
 * (the page links to them; any other scheme, `javascript:` above all, is refused).
 */
export function referenceUrls(given: string[] | string | undefined): string[] {
  const urls = [
    ...new Set(
      listOf(given)
        .map((url) => url.trim())
        .filter(Boolean),
    ),
  ];
  if (urls.length > REFERENCES_MAX) throw invalid(`At most ${REFERENCES_MAX} references.`, 'references');
  return urls.map((url) => {
    const shown = url.slice(0, 60);
    // eslint-disable-next-line no-control-regex
    if (url.length > REFERENCE_MAX || /[\u0000-\u0020\u007f]/.test(url)) {
      throw invalid(
        `${shown} is not a reference: give an http(s) URL of at most ${REFERENCE_MAX} characters.`,
        'references',
      );
    }
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw invalid(`${shown} is not a URL: give an http(s) URL.`, 'references');
    }
    if (!['http:', 'https:'].includes(parsed.protocol) || !parsed.hostname) {
      throw invalid(`${shown} is not an http(s) URL.`, 'references');
    }
    if (parsed.username || parsed.password) throw invalid(`${shown} carries credentials.`, 'references');
    return parsed.href;
  });
}
