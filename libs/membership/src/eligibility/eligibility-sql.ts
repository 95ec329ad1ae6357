import { ELIGIBILITY_RULES, PostCircumstances } from './eligibility';
import { INELIGIBILITY } from './ineligibility';

/**
 * Where the SQL form's parameters sit in the caller's statement, e.g. { now: 1, policy: 2,
 * embargoEnded: 3, audienceAll: 4, audienceProducts: 5, audienceInclude: 6, audienceExclude: 7 }
 * (eligibilityParamsFrom(1) gives that; eligibilityParamValues their values, in that order).
 */
export interface EligibilityParams {
  now: number;
  policy: number;
  embargoEnded: number;
  audienceAll: number;
  audienceProducts: number;
  audienceInclude: number;
  audienceExclude: number;
}

const PARAM_NAMES = [
  'now',
  'policy',
  'embargoEnded',
  'audienceAll',
  'audienceProducts',
  'audienceInclude',
  'audienceExclude',
] as const;

/** The parameters placed one after another from `first` on, in the order eligibilityParamValues gives. */
export function eligibilityParamsFrom(first: number): EligibilityParams {
  return Object.fromEntries(PARAM_NAMES.map((name, i) => [name, first + i])) as unknown as EligibilityParams;
}

/** The parameters' values for a post at `now`; without an audience rule the post is for everyone. */
export function eligibilityParamValues(post: PostCircumstances, now: Date): unknown[] {
  const audience = post.embargo?.audience ?? null;
  return [
    now,
    post.currentPolicyVersion,
    post.embargo?.ended === true,
    audience === null || audience.everyone,
    audience?.products ?? [],
    audience?.include ?? [],
    audience?.exclude ?? [],
  ];
}

const PARAM = new RegExp(`(?<!:):(${PARAM_NAMES.join('|')})\\b`, 'g');

function bind(sql: string, alias: string, at: EligibilityParams): string {
  return sql.replace(/\bm\./g, `${alias}.`).replace(PARAM, (_, name: string) => {
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
