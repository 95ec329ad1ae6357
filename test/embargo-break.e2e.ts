/**
 * A break is loud (issue 14): when a maintainer confirms a leak that broke an embargo, its whole
 * audience is told at once, each member by mail encrypted to it alone and signed with the list key,
 * with the moment in UTC and in the embargo's zone; a member outside the audience is not. The
 * maintainers can then publish as after a lift, with what they edit in afterwards. Real SMTP out (a
 * loopback sink), real gpg as the members.
 */
import request from 'supertest';
import { ListKey } from '@cordon/crypto';
import { DeliveryWorker } from '@cordon/delivery';
import { ChangeEmbargo } from '@cordon/embargo';
import { ImportMember, SetMemberProducts } from '@cordon/membership';
import { CreateApiToken } from '@cordon/maintainers';
import { loginAgent } from './support/admin-login';
import { GpgHome } from './support/gpg';
import { OpenedMail, openMail } from './support/mailbox';
import { SmtpSink } from './support/smtp-sink';
import { RunningWebApp, startWebApp } from './support/web-app';

const INSIDE = 'security@ships-libfrob.example';
const LEAKER = 'psirt@also-libfrob.example';
const OUTSIDE = 'security@ships-other.example';

/** A Wednesday at least a week ahead, 14:00 local: a working day in any zone. */
function aWednesday(): string {
  const day = new Date(Date.now() + 7 * 86_400_000);
  day.setUTCDate(day.getUTCDate() + ((3 - day.getUTCDay() + 7) % 7));
  return `${day.toISOString().slice(0, 10)}T14:00`;
}

describe('a broken embargo', () => {
  let sink: SmtpSink;
  let web: RunningWebApp;
  let gpg: GpgHome;
  let token: string;
  let maintainerId: string;
  const ids: Record<string, string> = {};
  const api = () => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    sink = new SmtpSink();
    const port = await sink.start();
    web = await startWebApp({ OUTBOUND_SMTP_URL: `smtp://127.0.0.1:${port}` });
    gpg = GpgHome.create();
    await gpg.importKey(await web.app.get(ListKey).armoredPublicKey());
    const { maintainer } = await loginAgent(web, { gpg, email: 'lena@project.example', name: 'Lena Lead' });
    maintainerId = maintainer.id;
    token = (await web.app.get(CreateApiToken).execute(maintainer.id, 'break test')).token;
    for (const [email, products] of [
      [INSIDE, ['libfrob']],
      [LEAKER, ['libfrob']],
      [OUTSIDE, ['libother']],
    ] as const) {
      const key = await gpg.exportPublic(await gpg.generateKey(email));
      const member = await web.app
        .get(ImportMember)
        .execute({ email, organisation: email.split('@')[1], key, acknowledged: true });
      await web.app.get(SetMemberProducts).execute(member.id, [...products], `member:${member.id}`);
      ids[email] = member.id;
    }
  });

  afterAll(async () => {
    await web?.close();
    await sink?.stop();
    await gpg?.cleanup();
  });

  /** What reached `address` over SMTP, each opened by gpg. */
  async function received(address: string): Promise<OpenedMail[]> {
    await web.app.get(DeliveryWorker).drain();
    const mails = sink.received.filter((m) => m.envelope.to.includes(address));
    return Promise.all(
      mails.map((m) => openMail(gpg, { file: address, raw: m.raw.toString('utf8'), to: address, outerSubject: '' })),
    );
  }

  it('tells the audience at once, encrypted and signed, with the moment; no one outside it', async () => {
    // Recorded as the admin UI records it: affecting libfrob, for the members that ship it.
    const recorded = await web.app.get(ChangeEmbargo).create(
      {
        title: 'libfrob parser overflow',
        cveIds: ['CVE-2026-4242'],
        publicAt: aWednesday(),
        timeZone: 'America/New_York',
        audienceMode: 'products',
        products: ['libfrob'],
      },
      maintainerId,
    );
    const embargo = { id: recorded.id, tag: `EMB-${recorded.number}` };
    const report = await request(web.url)
      .post('/api/leaks')
      .set(api())
      .send({
        embargoId: embargo.id,
        whatLeaked: 'The fix commit',
        leakedTo: 'A public mirror',
        selfReported: false,
      })
      .expect(201);
    const confirmed = await request(web.url)
      .post(`/api/leaks/${report.body.id}/confirm`)
      .set(api())
      .send({ memberId: ids[LEAKER], reason: 'Their build farm pushed the fix early.', embargoBroken: true })
      .expect(200);
    expect(confirmed.body).toMatchObject({ embargoBroken: true, memberRemoved: false, membersTold: 2 });
    const ended = (await request(web.url).get(`/api/embargoes/${embargo.id}`).set(api()).expect(200)).body as {
      status: string;
      endedAt: string;
    };
    expect(ended.status).toBe('broken');

    for (const address of [INSIDE, LEAKER]) {
      const notices = (await received(address)).filter((m) => m.subject.startsWith(`[${embargo.tag}] Embargo broken`));
      expect(notices).toHaveLength(1);
      const [notice] = notices;
      expect(notice.goodSignature).toBe(true);
      expect(notice.recipients).toHaveLength(1);
      const at = new Date(ended.endedAt);
      const local = at.toLocaleString('sv-SE', { timeZone: 'America/New_York' }).slice(0, 16);
      expect(notice.text).toContain(`Broken at:                  ${local} America/New_York (`);
      expect(notice.text).toContain(`${at.toISOString().slice(11, 16)} UTC)`);
      expect(notice.text).toContain('CVE: CVE-2026-4242');
      expect(notice.text).toContain('you may publish your fixes and advisories now');
    }
    // Outside the audience: nothing of this embargo, the break included.
    expect((await received(OUTSIDE)).filter((m) => m.subject.includes(embargo.tag))).toEqual([]);
    // The outer message names nothing of it.
    expect(sink.received.some((m) => m.raw.toString('utf8').includes('libfrob parser overflow'))).toBe(false);
  });

  it('lets the maintainers complete and publish the advisory after the break', async () => {
    const [{ id }] = (await request(web.url).get('/api/embargoes?status=broken').set(api()).expect(200)).body
      .embargoes as { id: string }[];
    const before = sink.received.length;
    const patched = await request(web.url)
      .patch(`/api/embargoes/${id}`)
      .set(api())
      .send({
        description: 'A crafted frame overflows the parser.',
        mitigations: 'Reject frames over 64 KiB.',
        references: ['https://libfrob.example/advisories/2026-1'],
      })
      .expect(200);
    expect(patched.body).toMatchObject({ changed: ['description', 'mitigations', 'references'], membersTold: 0 });
    const osv = (await request(web.url).get(`/api/embargoes/${id}/osv`).set(api()).expect(200)).body;
    expect(osv).toMatchObject({
      aliases: ['CVE-2026-4242'],
      references: [{ type: 'ADVISORY', url: 'https://libfrob.example/advisories/2026-1' }],
      database_specific: { embargo_status: 'broken', mitigations: 'Reject frames over 64 KiB.' },
    });
    expect(osv.details).toContain('A crafted frame overflows the parser.');
    const csaf = (await request(web.url).get(`/api/embargoes/${id}/csaf`).set(api()).expect(200)).body;
    expect(csaf.document.references).toEqual([
      { category: 'external', summary: 'Reference: libfrob.example', url: 'https://libfrob.example/advisories/2026-1' },
    ]);
    await web.app.get(DeliveryWorker).drain();
    expect(sink.received.length).toBe(before);
  });
});
