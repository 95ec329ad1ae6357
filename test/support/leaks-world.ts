/**
 * The world the leak report tests share: the web app with a maintainer signed in to the admin UI
 * (and an API token), GnuPG as the maintainer and the members, a member who will leak (LEAKY, its
 * key carrying a second address) and another (OTHER), an embargo; and the helpers that count rows,
 * file reports through the domain and read the maintainers' notices. Each test file gets its own
 * (started in beforeAll, stopped in afterAll).
 */
import { ListKey } from '@cordon/crypto';
import { DeliveryWorker } from '@cordon/delivery';
import { ChangeEmbargo, LeakReports } from '@cordon/embargo';
import { CreateApiToken } from '@cordon/maintainers';
import { ImportMember } from '@cordon/membership';
import { Agent, loginAgent, MaintainerAccount } from './admin-login';
import { GpgHome } from './gpg';
import { mailTo, openMail } from './mailbox';
import { RunningWebApp, startWebApp } from './web-app';

export const LEAKY = 'security@leaky.example';
export const LEAKY_SECOND_UID = 'new-team@leaky-two.example';
export const OTHER = 'security@other.example';
export const MAINTAINER = 'lena@project.example';
export const XSS = '<script>alert(1)</script><img src=x onerror=alert(2)>';

/** What beforeAll makes: read it in the test file's own beforeAll (which runs after this one). */
export interface LeaksWorldState {
  web: RunningWebApp;
  /** The maintainer's and the members'. */
  gpg: GpgHome;
  /** The maintainer's session in the admin UI. */
  admin: Agent;
  maintainer: MaintainerAccount;
  leaky: { id: string; fingerprint: string; key: string };
  other: { id: string };
  embargoId: string;
}

export function leaksWorld() {
  let web: RunningWebApp;
  let gpg: GpgHome;
  let admin: Agent;
  let maintainer: MaintainerAccount;
  let token: string;
  let leaky: { id: string; fingerprint: string; key: string };
  let other: { id: string };
  let embargoId: string;
  /** Reports filed below, by path. */
  const reports: Record<string, string> = {};

  const db = () => web.runtime.database.dataSource;
  const api = () => ({ Authorization: `Bearer ${token}` });
  const deliver = () => web.app.get(DeliveryWorker).drain();
  const count = async (table: string, where = 'true', params: unknown[] = []) =>
    Number((await db().query(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`, params))[0].n);
  /** Every table a refused request must leave as it was. */
  const snapshot = async () => ({
    reports: await count('leak_report'),
    audit: await count('audit_entry'),
    mail: await count('outbound_message'),
    applications: await count('application'),
    members: await count('member'),
    tokens: await count('one_time_token'),
  });
  const auditOf = (subject: string) =>
    db().query('SELECT actor, action, details FROM audit_entry WHERE subject = $1 ORDER BY seq', [subject]) as Promise<
      { actor: string; action: string; details: Record<string, unknown> }[]
    >;
  const file = (input: Partial<Parameters<LeakReports['file']>[1]>, reporter: Parameters<LeakReports['file']>[2]) =>
    db().transaction((manager) =>
      web.app.get(LeakReports).file(
        manager,
        {
          embargoId: null,
          whatLeaked: 'The patch for the parser overflow',
          leakedTo: 'A public bug tracker',
          leakedAt: null,
          evidence: '',
          selfReported: false,
          ...input,
        },
        reporter,
      ),
    );
  /** What a maintainer reads when a report comes in: the newest notice, opened by gpg. */
  const maintainerReads = async () => {
    await deliver();
    const opened = await openMail(gpg, mailTo(web.settings.dataDir, MAINTAINER).at(-1)!);
    expect(opened.goodSignature).toBe(true);
    expect(opened.recipients).toHaveLength(1);
    return opened;
  };

  beforeAll(async () => {
    web = await startWebApp();
    gpg = GpgHome.create();
    await gpg.importKey(await web.app.get(ListKey).armoredPublicKey());
    ({ agent: admin, maintainer } = await loginAgent(web, { gpg, email: MAINTAINER, name: 'Lena Lead' }));
    token = (await web.app.get(CreateApiToken).execute(maintainer.id, 'leak script')).token;

    // The leaky member's key carries a second user ID, so that the same key can apply under another address.
    const leakyFpr = await gpg.generateKey(LEAKY);
    await gpg.must(['--quick-add-uid', leakyFpr, `New Team <${LEAKY_SECOND_UID}>`]);
    const leakyKey = await gpg.exportPublic(leakyFpr);
    const imported = await web.app
      .get(ImportMember)
      .execute({ email: LEAKY, organisation: 'Leaky Org', key: leakyKey, acknowledged: true });
    leaky = { id: imported.id, fingerprint: leakyFpr, key: leakyKey };
    other = await web.app.get(ImportMember).execute({
      email: OTHER,
      organisation: 'Other Org',
      key: await gpg.exportPublic(await gpg.generateKey(OTHER)),
      acknowledged: true,
    });
    const publicAt = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 16);
    embargoId = (
      await web.app
        .get(ChangeEmbargo)
        .create({ title: 'Parser overflow', publicAt, timeZone: 'UTC', acceptNonWorkingDay: true }, maintainer.id)
    ).id;
  });

  afterAll(async () => {
    await web?.close();
    await gpg?.cleanup();
  });

  /**
   * One report of each kind a maintainer triages, filed through the domain in the order the
   * filing tests file them (test/leak-filing.e2e.ts files them through the web and the API).
   */
  async function fileOneOfEveryKind(): Promise<void> {
    reports.public = (
      await file(
        {
          whatLeaked: `The advisory draft ${XSS}`,
          leakedTo: 'A journalist at the Daily Example',
          leakedAt: new Date('2026-01-15T09:30:00Z'),
          evidence: 'https://news.example/story (since taken down)',
        },
        { kind: 'public', contact: 'tipster@press.example' },
      )
    ).id;
    reports.admin = (
      await file(
        {
          embargoId,
          whatLeaked: 'The fix commit, pushed to a public mirror',
          leakedTo: 'Anyone watching the mirror',
          evidence: 'https://mirror.example/commit/abc',
          suspectedMemberId: leaky.id,
        },
        { kind: 'maintainer', maintainerId: maintainer.id },
      )
    ).id;
    reports.api = (
      await file(
        {
          embargoId,
          whatLeaked: 'The CVE description',
          leakedTo: 'A vendor outside the list',
          leakedAt: new Date('2026-02-01T10:00:00Z'),
        },
        { kind: 'maintainer', maintainerId: maintainer.id },
      )
    ).id;
    reports.member = (await file({ selfReported: true, embargoId }, { kind: 'member', memberId: leaky.id })).id;
    reports.mail = (await file({}, { kind: 'mail', memberId: other.id })).id;
  }

  return {
    state: (): LeaksWorldState => ({ web, gpg, admin, maintainer, leaky, other, embargoId }),
    reports,
    db,
    api,
    deliver,
    count,
    snapshot,
    auditOf,
    file,
    maintainerReads,
    fileOneOfEveryKind,
  };
}
