import { Cvss3P1, Cvss4P0 } from 'ae-cvss-calculator';
import { DomainError } from '@cordon/errors';
import { CvssSeverity, CvssVersion, severityOf } from '../cvss';
import { formatPublicMoment } from '../embargo-clock';
import { embargoTag } from '../embargo-queries';
import { Embargo } from '../embargo.entity';

/** Who publishes the advisory: the list, as the settings name it (LIST_NAME, PUBLIC_URL). */
export interface AdvisoryPublisher {
  name: string;
  /** An absolute URL (CSAF `publisher.namespace`). */
  namespace: string;
}

export interface AdvisoryCvss {
  version: CvssVersion;
  vector: string;
  /** The base score alone (CSAF's `baseScore`); `score` below may include threat/environmental metrics. */
  baseScore: number;
  baseSeverity: CvssSeverity;
  /** The score and rating Cordon recorded for the whole vector. */
  score: number;
  severity: CvssSeverity;
}

/** The facts of an ended embargo that an advisory states. */
export interface AdvisorySource {
  /** `EMB-12`. */
  tag: string;
  title: string;
  cveIds: string[];
  cvss: AdvisoryCvss | null;
  affectedVersions: string;
  fixedVersions: string;
  reporterCredit: string;
  /** What the issue is, what to do before a fix, and http(s) references (issue 14); free text as written. */
  description: string;
  mitigations: string;
  references: string[];
  status: 'lifted' | 'broken';
  /** When the embargo ended: the advisory's release date. */
  releasedAt: Date;
  /** Last change of the record. */
  modifiedAt: Date;
}

/**
 * The advisory's facts, from an embargo that has ended. An active embargo is refused: its
 * advisory must never leave before the public moment (docs/architecture.md, embargo policy), and exporting
 * is the moment it could.
 */
export function advisorySourceOf(embargo: Embargo): AdvisorySource {
  const tag = embargoTag(embargo.number);
  if (embargo.status === 'active' || !embargo.endedAt) {
    throw new DomainError(
      'WRONG_STATE',
      `${tag} is still under embargo until ${formatPublicMoment(embargo.publicAt, embargo.timeZone)}: its advisory can be exported only once the embargo is lifted or broken.`,
    );
  }
  return {
    tag,
    title: embargo.title,
    cveIds: [...embargo.cveIds],
    cvss: embargo.cvssVector ? cvssOf(embargo.cvssVector, embargo.cvssScore!, embargo.cvssSeverity!) : null,
    affectedVersions: embargo.affectedVersions,
    fixedVersions: embargo.fixedVersions,
    reporterCredit: embargo.reporterCredit,
    description: embargo.description,
    mitigations: embargo.mitigations,
    references: [...embargo.referenceUrls],
    status: embargo.status,
    releasedAt: embargo.endedAt,
    modifiedAt: embargo.updatedAt.getTime() > embargo.endedAt.getTime() ? embargo.updatedAt : embargo.endedAt,
  };
}

/** The vector was checked and scored when it was recorded (cvss.ts); here only its base score is added. */
function cvssOf(vector: string, score: number, severity: CvssSeverity): AdvisoryCvss {
  const version: CvssVersion = vector.startsWith('CVSS:4.0/') ? '4.0' : '3.1';
  const base = (version === '3.1' ? new Cvss3P1(vector) : new Cvss4P0(vector)).calculateScores().base;
  // A vector that scored when recorded has a base score; the recorded score stands in if not.
  const baseScore = typeof base === 'number' && Number.isFinite(base) ? base : score;
  return { version, vector, baseScore, baseSeverity: severityOf(baseScore), score, severity };
}

/** What the record says about the embargo's end, in plain words. */
export function endedSentence(source: AdvisorySource, publisher: AdvisoryPublisher): string {
  const day = source.releasedAt.toISOString().slice(0, 16).replace('T', ' ');
  return source.status === 'lifted'
    ? `Disclosed through the ${publisher.name} embargo ${source.tag}, lifted on ${day} UTC.`
    : `Disclosed through the ${publisher.name} embargo ${source.tag}, which ended early on ${day} UTC because of a leak.`;
}

/** "9.8 (Critical)"; with the base score too when threat or environmental metrics change it. */
export function cvssSentence(cvss: AdvisoryCvss): string {
  const base = `base score ${cvss.baseScore.toFixed(1)} (${cvss.baseSeverity})`;
  const overall =
    cvss.score === cvss.baseScore ? '' : `, score with all metrics given ${cvss.score.toFixed(1)} (${cvss.severity})`;
  return `CVSS v${cvss.version} ${cvss.vector}: ${base}${overall}.`;
}
