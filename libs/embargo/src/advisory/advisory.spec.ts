import { DomainError } from '@cordon/errors';
import { Embargo } from '../embargo.entity';
import { advisorySourceOf } from './advisory-source';
import { csafAdvisory, csafFileName } from './csaf';
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
    description: '',
    mitigations: '',
    referenceUrls: [],
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
      'EMB-4 is still under embargo until 2026-12-08 14:00 Europe/Berlin (13:00 UTC): its advisory can be exported only once the embargo is lifted or broken.',
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

describe('description, mitigations and references (issue 14)', () => {
  const edited = (changes: Partial<Embargo> = {}) =>
    advisorySourceOf(
      anEmbargo({
        status: 'broken',
        description: 'A crafted frame overflows the <heap>.',
        mitigations: 'Set max_frame = 0\n- or block port 1234',
        referenceUrls: ['https://example.org/advisories/EX-1', 'https://example.org/bug/9'],
        ...changes,
      }),
    );

  it('OSV: details carry the description and mitigations escaped; references are typed', () => {
    const osv = osvAdvisory(edited(), publisher);
    const paragraphs = osv.details.split('\n\n');
    expect(paragraphs[1]).toBe('A crafted frame overflows the \\<heap\\>.');
    expect(osv.details).toContain('Mitigations: Set max\\_frame = 0\n\\- or block port 1234');
    expect(osv.database_specific).toMatchObject({
      embargo_status: 'broken',
      mitigations: 'Set max_frame = 0\n- or block port 1234',
    });
    expect(osv.references).toEqual([
      { type: 'ADVISORY', url: 'https://example.org/advisories/EX-1' },
      { type: 'WEB', url: 'https://example.org/bug/9' },
    ]);
  });

  it('OSV: states none of them when there are none', () => {
    const osv = osvAdvisory(advisorySourceOf(anEmbargo()), publisher);
    expect(osv).not.toHaveProperty('references');
    expect(osv.database_specific).not.toHaveProperty('mitigations');
    expect(osv.details).not.toContain('Mitigations');
  });

  it('CSAF: a description note, a mitigation for the affected products, and the references', () => {
    const csaf = csafAdvisory(edited(), publisher);
    const [vulnerability] = csaf.vulnerabilities as {
      notes: { category: string; text: string }[];
      remediations: unknown[];
      references: unknown[];
    }[];
    expect(vulnerability.notes[0]).toMatchObject({ category: 'description' });
    expect(vulnerability.notes[0].text).toContain('A crafted frame overflows the <heap>.');
    expect(vulnerability.remediations).toEqual([
      { category: 'vendor_fix', details: 'Fixed in: 1.1', product_ids: ['CSAFPID-AFFECTED-1'] },
      {
        category: 'mitigation',
        details: 'Set max_frame = 0\n- or block port 1234',
        product_ids: ['CSAFPID-AFFECTED-1'],
      },
    ]);
    const references = [
      { category: 'external', summary: 'Reference: example.org', url: 'https://example.org/advisories/EX-1' },
      { category: 'external', summary: 'Reference: example.org', url: 'https://example.org/bug/9' },
    ];
    expect(vulnerability.references).toEqual(references);
    expect(csaf.document.references).toEqual(references);
  });

  it('CSAF: without an affected product the mitigations are a note, not a remediation', () => {
    const csaf = csafAdvisory(edited({ affectedVersions: '', fixedVersions: '' }), publisher);
    const [vulnerability] = csaf.vulnerabilities;
    expect(vulnerability).not.toHaveProperty('remediations');
    expect(vulnerability.notes).toContainEqual({
      category: 'general',
      title: 'Mitigations',
      text: 'Set max_frame = 0\n- or block port 1234',
    });
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
