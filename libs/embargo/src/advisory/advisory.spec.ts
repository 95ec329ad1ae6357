import { DomainError } from '@cordon/errors';
import { Embargo } from '../embargo.entity';
import { advisorySourceOf } from './advisory-source';
import { csafFileName } from './csaf';
import { osvAdvisory } from './osv';
import { readVersions } from './version-list';

const publisher = { name: 'Example distros', namespace: 'https://lists.example.org' };

function anEmbargo(changes: Partial<Embargo> = {}): Embargo {
  return Object.assign(new Embargo(), {
    id: '6f1c1b7e-2d1a-4c55-9a65-0c1f3f0a1b2c',
    number: 4,
    title: 'An issue',
    cveIds: ['CVE-2026-12345'],
    cvssVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/CR:L',
    cvssScore: 9,
    cvssSeverity: 'Critical',
    affectedVersions: '1.0',
    fixedVersions: '1.1',
    reporterCredit: 'Jane',
    publicAt: new Date('2026-12-08T13:00:00Z'),
    timeZone: 'Europe/Berlin',
    overLimitReason: null,
    status: 'lifted',
    createdBy: 'maintainer:x',
    createdAt: new Date('2026-11-20T10:00:00Z'),
    updatedAt: new Date('2026-12-08T13:00:05Z'),
    endedAt: new Date('2026-12-08T13:00:05Z'),
    ...changes,
  });
}

describe('reading free-text versions', () => {
  it.each([
    ['1.2.0, 1.2.1 1.3.0-rc1', ['1.2.0', '1.2.1', '1.3.0-rc1']],
    ['v2.0; 2.0.1\n2.0.2', ['v2.0', '2.0.1', '2.0.2']],
    ['1.0.0+deb12u1, 2.0~beta1, 1.0.0+deb12u1', ['1.0.0+deb12u1', '2.0~beta1']],
  ])('reads %j as a list of versions', (text, versions) => {
    expect(readVersions(text)).toEqual({ kind: 'list', versions });
  });

  it.each(['all releases before 2.4.1', '< 2.4.1', '2.x', 'libfoo 1.2', '1.2 to 1.4', '2:1.2-3'])(
    'keeps %j as text: it is not a plain list of versions',
    (text) => {
      expect(readVersions(` ${text} `)).toEqual({ kind: 'text', text });
    },
  );

  it('reads nothing from empty text', () => {
    expect(readVersions('  \n ')).toEqual({ kind: 'none' });
  });
});

describe('the facts an advisory states', () => {
  it('refuses an active embargo, naming its public moment', () => {
    const active = anEmbargo({ status: 'active', endedAt: null });
    expect(() => advisorySourceOf(active)).toThrow(DomainError);
    expect(() => advisorySourceOf(active)).toThrow(
      'EMB-4 is still under embargo until 2026-12-08 14:00 Europe/Berlin (13:00 UTC): its advisory can be exported only once the embargo is lifted.',
    );
  });

  it('takes the base score apart from the score with all metrics', () => {
    expect(advisorySourceOf(anEmbargo()).cvss).toEqual({
      version: '3.1',
      vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/CR:L',
      baseScore: 9.8,
      baseSeverity: 'Critical',
      score: 9,
      severity: 'Critical',
    });
  });

  it('dates the advisory from the end of the embargo', () => {
    const source = advisorySourceOf(anEmbargo());
    expect(source.releasedAt.toISOString()).toBe('2026-12-08T13:00:05.000Z');
    expect(osvAdvisory(source, publisher)).toMatchObject({
      published: '2026-12-08T13:00:05.000Z',
      modified: '2026-12-08T13:00:05.000Z',
    });
  });
});

describe('OSV details as Markdown', () => {
  it('escapes the maintainers’ text so that a renderer shows it, not runs it', () => {
    const source = advisorySourceOf(
      anEmbargo({
        title: '<img src=x onerror=alert(1)> *bold* [a](b)',
        affectedVersions: 'see:\n    code\n1. one\n---',
      }),
    );
    const { details } = osvAdvisory(source, publisher);
    expect(details.split('\n\n')[0]).toBe('\\<img src=x onerror=alert(1)\\> \\*bold\\* \\[a\\](b)');
    expect(details).toContain('Affected versions: see:\ncode\n1\\. one\n\\---');
  });

  it('leaves versions readable', () => {
    const { details } = osvAdvisory(advisorySourceOf(anEmbargo({ affectedVersions: '1.0, 1.1' })), publisher);
    expect(details).toContain('Affected versions: 1.0, 1.1');
  });
});

describe('CSAF file names (CSAF 2.0 §5.1)', () => {
  it.each([
    ['EMB-12', 'emb-12.json'],
    ['Example Advisory 2026/1', 'example_advisory_2026_1.json'],
  ])('names %s %s', (id, name) => {
    expect(csafFileName(id)).toBe(name);
  });
});
