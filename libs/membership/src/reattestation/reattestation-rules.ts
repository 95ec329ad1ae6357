import { Evidence } from '../entities/application.entity';

export const CRITERIA = ['1', '2', '3', '4', '5'] as const;
/** Evidence per criterion, as long as the application form takes. */
export const ATTESTATION_EVIDENCE_MAX = 5000;

/**
 * The reason a member suspended for not re-attesting carries. Re-attesting reinstates only a member
 * suspended with exactly this reason (and an unanswered, suspended request): a member a maintainer
 * suspended for anything else stays suspended.
 */
export const NOT_REATTESTED_REASON =
  'Membership criteria 1–5 were not re-attested within the grace period after the request. Re-attesting in self-service reinstates the membership.';

/**
 * The newest attestation of a member, or its joining when it has none: re-attestation is due
 * REATTESTATION_DAYS after it. Raw SQL over `member m`; to the millisecond, as a JS Date carries it
 * back as a request's key.
 */
export const BASIS_SQL = `date_trunc('milliseconds', COALESCE(
  (SELECT max(a.attested_at) FROM member_attestation a WHERE a.member_id = m.id), m.joined_at))`;

/** Evidence as stored: jsonb comes back parsed from PostgreSQL, and the five keys always present. */
export function evidenceOf(value: unknown): Evidence {
  const parsed = (typeof value === 'string' ? JSON.parse(value) : (value ?? {})) as Record<string, unknown>;
  return Object.fromEntries(CRITERIA.map((n) => [n, typeof parsed[n] === 'string' ? parsed[n] : ''])) as Evidence;
}
