import { ELIGIBILITY_RULES } from './eligibility';
import { INELIGIBILITY } from './ineligibility';

/** Where the SQL form's three parameters sit in the caller's statement, e.g. { now: 1, policy: 2, embargoEnded: 3 }. */
export interface EligibilityParams {
  now: number;
  policy: number;
  embargoEnded: number;
}

function bind(sql: string, alias: string, at: EligibilityParams): string {
  return sql.replace(/\bm\./g, `${alias}.`).replace(/(?<!:):(now|policy|embargoEnded)\b/g, (_, name: string) => {
    return `$${at[name as keyof EligibilityParams]}`;
  });
}

/**
 * The rule as a set (docs/architecture.md, invariant 2), built from ELIGIBILITY_RULES: a CASE that
 * is the first reason the member row refuses, or NULL when the database sees none. Rules the
 * database cannot tell (a parsed key, a copy's key packet) are left to completeVerdict().
 */
export function ineligibilitySql(alias: string, at: EligibilityParams): string {
  const branches = ELIGIBILITY_RULES.flatMap((rule) =>
    rule.row ? [`WHEN ${bind(rule.row.sql, alias, at)} THEN '${rule.reason}'`] : [],
  );
  return `CASE ${branches.join(' ')} END`;
}

/** True for a member on the list now: no rule about the member itself (its status) refuses it. */
export function onTheListSql(alias: string, at: EligibilityParams): string {
  const memberRules = ELIGIBILITY_RULES.filter((rule) => INELIGIBILITY[rule.reason].scope === 'member');
  return `NOT (${memberRules.map((rule) => bind(rule.row!.sql, alias, at)).join(' OR ')})`;
}
