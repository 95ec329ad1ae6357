import { DateTime } from 'luxon';
import { EmbargoTerms, formatPublicMoment } from '@cordon/embargo';

/** The embargo whose terms a copy carries. */
export type TermsEmbargo = EmbargoTerms;

/** A copy's terms: header fields for inside the encryption, and the one line a reader sees first. */
export interface PostTerms {
  headers: [string, string][];
  line: string;
}

/**
 * What every copy of an embargoed post says of its terms (README, "Terms in every copy"; issue 14):
 * protected header fields a program can read (Embargo-ID, Embargo-Until in UTC, Embargo-Until-Local
 * in the embargo's zone with its offset, Embargo-CVE when it has any, Embargo-Policy-Version), and
 * one human line. They go inside the encryption only: the outer subject stays neutral.
 */
export function postTerms(embargo: TermsEmbargo, policyVersion: number | null): PostTerms {
  const tag = `EMB-${embargo.number}`;
  const local = DateTime.fromJSDate(embargo.publicAt, { zone: embargo.timeZone });
  const utc = DateTime.fromJSDate(embargo.publicAt, { zone: 'UTC' });
  const headers: [string, string][] = [
    ['Embargo-ID', `${tag} ${embargo.id}`],
    ['Embargo-Until', utc.toFormat("yyyy-MM-dd'T'HH:mm:ss'Z'")],
    ['Embargo-Until-Local', `${local.toFormat('yyyy-MM-dd HH:mm')} ${embargo.timeZone} (${local.toFormat('ZZ')})`],
  ];
  if (embargo.cveIds.length) headers.push(['Embargo-CVE', embargo.cveIds.join(', ')]);
  if (policyVersion !== null) headers.push(['Embargo-Policy-Version', String(policyVersion)]);
  const names = [tag, ...embargo.cveIds].join(', ');
  const policy = policyVersion === null ? '' : `; Embargo Policy version ${policyVersion}`;
  return {
    headers,
    line: `EMBARGOED until ${formatPublicMoment(embargo.publicAt, embargo.timeZone)} — ${names}${policy}. Do not share beyond your need-to-know team.`,
  };
}

/**
 * The human line as a MIME part of its own (text/plain, UTF-8), to go before the maintainer's
 * signed entity, which stays byte for byte. Inside the encryption, so 8bit travels as it is.
 */
export function termsPart(terms: PostTerms): Buffer {
  return Buffer.from(
    [
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      'Content-Disposition: inline',
      '',
      terms.line,
      '',
    ].join('\r\n'),
    'utf8',
  );
}
