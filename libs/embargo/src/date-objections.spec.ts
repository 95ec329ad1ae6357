import { AuditLog } from '@cordon/audit';
import { Bans, ImportMember } from '@cordon/membership';
import { testAuditKey } from '../../../test/support/audit';
import { openTestDatabase, TestDatabase } from '../../../test/support/database';
import { anOpenpgpKey } from '../../../test/support/keys';
import { testSettings } from '../../../test/support/settings';
import { wiredHeldMail, wiredPolicies } from '../../../test/support/wired-policies';
import { DateAnswers } from './date-answers';
import { DateObjections } from './date-objections';
import { embargoTag } from './embargo-queries';
import { EmbargoInput, Embargoes } from './embargoes';

// A Monday; the embargo is a few business days after it, so it needs no recorded reason.
const NOW = new Date('2099-01-05T09:00:00Z');
const input: EmbargoInput = {
  title: 'Heap overflow in libwidget',
  cveIds: [],
  cvssVector: '',
  affectedVersions: '',
  fixedVersions: '',
  reporterCredit: '',
  publicAt: '2099-01-08T14:00',
  timeZone: 'UTC',
};
const actor = 'maintainer:00000000-0000-4000-8000-000000000001';

describe('date objections that wait for the maintainers', () => {
  let db: TestDatabase;
  let embargoes: Embargoes;
  let answers: DateAnswers;
  let objections: DateObjections;
  const audit = new AuditLog(testAuditKey);

  beforeAll(async () => {
    db = await openTestDatabase();
    const ds = db.database.dataSource;
    const policies = wiredPolicies(ds, audit);
    await ds.transaction((m) => policies.ensurePublished(m, 'cli'));
    embargoes = new Embargoes(audit, testSettings({ DATA_DIR: db.dataDir }), wiredHeldMail(audit));
    answers = new DateAnswers(ds, audit, policies);
    objections = new DateObjections(ds);
  });
  afterAll(() => db.drop());

  const aMember = async (email: string, organisation: string) => {
    const key = await anOpenpgpKey(email);
    const importMember = new ImportMember(
      db.database.dataSource,
      audit,
      wiredPolicies(db.database.dataSource, audit),
      new Bans(audit),
    );
    return importMember.execute({ email, organisation, key: key.publicKey, acknowledged: true });
  };
  const anEmbargo = (title: string) =>
    db.database.dataSource.transaction((m) => embargoes.create(m, { ...input, title }, actor, NOW));

  it('lists an objection to a running embargo’s date, not an acceptance, nor one made stale or ended', async () => {
    const objecting = await aMember('security@objecting.example', 'Objecting Distro');
    const accepting = await aMember('security@accepting.example', 'Accepting Distro');
    const [running, extended, lifted] = [
      await anEmbargo('Running'),
      await anEmbargo('Extended'),
      await anEmbargo('Lifted'),
    ];
    for (const embargo of [running, extended, lifted]) {
      await answers.answer(objecting.id, embargo.id, { answer: 'object', comment: 'Our release is on the 9th.' });
      await answers.answer(accepting.id, embargo.id, { answer: 'accept', comment: '' });
    }
    expect((await objections.open()).map((o) => o.embargoId).sort()).toEqual(
      [running.id, extended.id, lifted.id].sort(),
    );

    await db.database.dataSource.transaction(async (m) => {
      await embargoes.extend(
        m,
        extended.id,
        { publicAt: '2099-01-09T14:00', timeZone: 'UTC', reason: 'Wait for the release on the 9th.' },
        actor,
        NOW,
      );
      await embargoes.lift(m, lifted.id, actor, NOW);
    });
    const open = await objections.open();
    expect(open).toEqual([
      {
        embargoId: running.id,
        embargoTag: embargoTag(running.number),
        memberId: objecting.id,
        organisation: 'Objecting Distro',
        answeredAt: expect.any(Date),
      },
    ]);

    // Objecting again to the new date makes it wait again.
    await answers.answer(objecting.id, extended.id, { answer: 'object', comment: 'The 9th is still too early.' });
    expect((await objections.open()).map((o) => o.embargoId).sort()).toEqual([running.id, extended.id].sort());
  });
});
