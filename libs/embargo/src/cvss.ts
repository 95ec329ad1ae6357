import { Cvss3P1, Cvss4P0 } from 'ae-cvss-calculator';
import { DomainError } from '@cordon/errors';

export type CvssVersion = '3.1' | '4.0';
export type CvssSeverity = 'None' | 'Low' | 'Medium' | 'High' | 'Critical';

export interface CvssScore {
  version: CvssVersion;
  /** The vector as given, metrics in the specification's order. */
  vector: string;
  /** The score of every metric given (base, and threat/temporal or environmental when present). */
  score: number;
  severity: CvssSeverity;
}

type Grammar = [metric: string, values: string[], required: boolean][];

const X = 'X';
const CIA = ['H', 'L', 'N'];
const REQUIREMENT = [X, 'H', 'M', 'L'];

// CVSS v3.1 specification, §6 "Vector String": base metrics mandatory, the others optional.
const V3_1: Grammar = [
  ['AV', ['N', 'A', 'L', 'P'], true],
  ['AC', ['L', 'H'], true],
  ['PR', ['N', 'L', 'H'], true],
  ['UI', ['N', 'R'], true],
  ['S', ['U', 'C'], true],
  ['C', CIA, true],
  ['I', CIA, true],
  ['A', CIA, true],
  ['E', [X, 'H', 'F', 'P', 'U'], false],
  ['RL', [X, 'U', 'W', 'T', 'O'], false],
  ['RC', [X, 'C', 'R', 'U'], false],
  ['CR', REQUIREMENT, false],
  ['IR', REQUIREMENT, false],
  ['AR', REQUIREMENT, false],
  ['MAV', [X, 'N', 'A', 'L', 'P'], false],
  ['MAC', [X, 'L', 'H'], false],
  ['MPR', [X, 'N', 'L', 'H'], false],
  ['MUI', [X, 'N', 'R'], false],
  ['MS', [X, 'U', 'C'], false],
  ['MC', [X, ...CIA], false],
  ['MI', [X, ...CIA], false],
  ['MA', [X, ...CIA], false],
];

// CVSS v4.0 specification, §7 "Vector String".
const V4_0: Grammar = [
  ['AV', ['N', 'A', 'L', 'P'], true],
  ['AC', ['L', 'H'], true],
  ['AT', ['N', 'P'], true],
  ['PR', ['N', 'L', 'H'], true],
  ['UI', ['N', 'P', 'A'], true],
  ['VC', CIA, true],
  ['VI', CIA, true],
  ['VA', CIA, true],
  ['SC', CIA, true],
  ['SI', CIA, true],
  ['SA', CIA, true],
  ['E', [X, 'A', 'P', 'U'], false],
  ['CR', REQUIREMENT, false],
  ['IR', REQUIREMENT, false],
  ['AR', REQUIREMENT, false],
  ['MAV', [X, 'N', 'A', 'L', 'P'], false],
  ['MAC', [X, 'L', 'H'], false],
  ['MAT', [X, 'N', 'P'], false],
  ['MPR', [X, 'N', 'L', 'H'], false],
  ['MUI', [X, 'N', 'P', 'A'], false],
  ['MVC', [X, ...CIA], false],
  ['MVI', [X, ...CIA], false],
  ['MVA', [X, ...CIA], false],
  ['MSC', [X, ...CIA], false],
  ['MSI', [X, 'S', ...CIA], false],
  ['MSA', [X, 'S', ...CIA], false],
  ['S', [X, 'N', 'P'], false],
  ['AU', [X, 'N', 'Y'], false],
  ['R', [X, 'A', 'U', 'I'], false],
  ['V', [X, 'D', 'C'], false],
  ['RE', [X, 'L', 'M', 'H'], false],
  ['U', [X, 'Clear', 'Green', 'Amber', 'Red'], false],
];

const GRAMMARS: Record<CvssVersion, Grammar> = { '3.1': V3_1, '4.0': V4_0 };

/**
 * Checks a CVSS v3.1 or v4.0 vector against its specification's grammar and scores it. The score
 * comes from ae-cvss-calculator (FIRST's formulas and v4.0 lookup tables); the checking is done
 * here first because the calculator takes a malformed vector without complaint or with a
 * TypeError. Throws INVALID_INPUT naming what is wrong.
 */
export function scoreCvss(input: string, field = 'cvssVector'): CvssScore {
  const fail = (why: string): never => {
    throw new DomainError('INVALID_INPUT', `Not a CVSS vector: ${why}.`, field);
  };
  const text = input.trim();
  if (text.length > 300) fail('too long');
  const [prefix, ...parts] = text.split('/');
  const version = /^CVSS:(3\.1|4\.0)$/.exec(prefix)?.[1] as CvssVersion | undefined;
  if (!version) return fail('it must start with CVSS:3.1/ or CVSS:4.0/');
  const grammar = GRAMMARS[version];
  const given = new Map<string, string>();
  for (const part of parts) {
    const [metric, value, extra] = part.split(':');
    const rule = grammar.find(([name]) => name === metric);
    if (!rule || value === undefined || extra !== undefined)
      return fail(`"${part.slice(0, 20)}" is not a CVSS ${version} metric`);
    if (given.has(metric)) fail(`${metric} is given twice`);
    if (!rule[1].includes(value)) fail(`${metric} cannot be ${value.slice(0, 10)} (one of ${rule[1].join(', ')})`);
    given.set(metric, value);
  }
  const missing = grammar.filter(([name, , required]) => required && !given.has(name)).map(([name]) => name);
  if (missing.length) fail(`base metric${missing.length > 1 ? 's' : ''} ${missing.join(', ')} missing`);
  const vector = [
    `CVSS:${version}`,
    ...grammar.filter(([name]) => given.has(name)).map(([name]) => `${name}:${given.get(name)}`),
  ].join('/');
  const scores = version === '3.1' ? new Cvss3P1(vector).calculateScores() : new Cvss4P0(vector).calculateScores();
  const score = scores.overall;
  if (typeof score !== 'number' || !Number.isFinite(score) || score < 0 || score > 10) fail('it cannot be scored');
  return { version, vector, score, severity: severityOf(score) };
}

/** The qualitative rating scale, the same in v3.1 (§5) and v4.0 (§6). */
export function severityOf(score: number): CvssSeverity {
  if (score === 0) return 'None';
  if (score < 4) return 'Low';
  if (score < 7) return 'Medium';
  if (score < 9) return 'High';
  return 'Critical';
}
