/**
 * What waits for the maintainers (issue 11, README "What waits for the maintainers"), over HTTP
 * with GnuPG as applicant and maintainer: an application that waits for review reaches the
 * maintainer in an encrypted digest whose link opens its review page, and on the admin home page.
 * One digest per MAINTAINER_DIGEST_MINUTES: the job is run with its clock (as the relay's timer
 * runs it every minute), on the embedded database or PostgreSQL (DATABASE_URL).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readKey } from 'openpgp';
import request from 'supertest';
import { AuditLog } from '@cordon/audit';
import { ListKey } from '@cordon/crypto';
import { DeliveryWorker, MailTransport, OutgoingMail, TransportFailure } from '@cordon/delivery';
import { ImportMember } from '@cordon/membership';
import { Policies } from '@cordon/policy';
import { FanOut, InboundMessage, MaintainerDigest, Post, PostDeliveryWorker, sealPost } from '@cordon/relay';
import { Bounces } from '../libs/relay/src/bounces/bounces';
import { Agent, loginAgent, MaintainerAccount } from './support/admin-login';
import { csrfFrom, pathOf } from './support/forms';
import { GpgHome } from './support/gpg';
import { linkIn, mailTo, openMail } from './support/mailbox';
import { RunningWebApp, startWebApp } from './support/web-app';

const MINUTE = 60_000;

describe('maintainers hear what waits for them', () => {
  let web: RunningWebApp;
  let gpg: GpgHome;
  let maintainer: MaintainerAccount;
  let admin: Agent;
  let applicants = 0;

  beforeAll(async () => {
    web = await startWebApp({ TRUST_PROXY: 'loopback', MAINTAINER_DIGEST_MINUTES: '60' });
    gpg = GpgHome.create();
    await gpg.importKey(await web.app.get(ListKey).armoredPublicKey());
    ({ agent: admin, maintainer } = await loginAgent(web, { gpg }));
  });

  afterAll(async () => {
    await web?.close();
    await gpg?.cleanup();
  });

  const deliver = () => web.app.get(DeliveryWorker).drain();
  const digestAt = (at: Date) => web.app.get(MaintainerDigest).runOnce(at);
  const digests = () => mailTo(web.settings.dataDir, maintainer.email);

  /** Applies through /apply and confirms through the encrypted link, as an applicant does. */
  async function applyAndConfirm(organisation: string, email: string): Promise<void> {
    const key = await gpg.exportPublic(await gpg.generateKey(email));
    const agent = request.agent(web.url);
    const form = await agent.get('/apply').expect(200);
    await agent
      .post('/apply')
      .set('X-Forwarded-For', `192.0.2.${++applicants}`)
      .type('form')
      .send({
        _csrf: csrfFrom(form.text),
        organisation,
        distribution: `${organisation} Linux`,
        website: 'https://distro.example',
        contactName: 'Nadia Example',
        contactEmail: email,
        key,
        evidence1: 'We ship the project in our main repository since 2019.',
        evidence2: 'About 40,000 installations.',
        evidence3: 'Advisories: https://distro.example/security',
        evidence4: 'We build from upstream sources.',
        evidence5: 'We send patches upstream.',
        acceptPolicy: 'yes',
        policyVersion: '1',
        voucherEmail: 'nobody@elsewhere.example',
      })
      .expect(201);
    await deliver();
    const confirmation = await openMail(gpg, mailTo(web.settings.dataDir, email).at(-1)!);
    const confirmPath = pathOf(linkIn(confirmation.text, '/apply/confirm/'));
    const page = await agent.get(confirmPath).expect(200);
    await agent
      .post(confirmPath)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .expect(200);
  }

  /** The digests the maintainer got, opened with its own key, oldest first. */
  async function openedDigests() {
    await deliver();
    const opened = [];
    for (const mail of digests()) {
      const mailOpened = await openMail(gpg, mail);
      if (mailOpened.subject.startsWith('Waiting for you')) opened.push(mailOpened);
    }
    return opened;
  }

  it('mails an application that waits at once after a quiet spell, with a link that opens it, and shows it at home', async () => {
    const t0 = new Date();
    expect(await digestAt(t0)).toMatchObject({ sent: false, waiting: 0 });
    // A list without members: nobody can vouch, so a confirmed application waits for the maintainers.
    await applyAndConfirm('First <b>Distro</b>', 'security@first.example');

    expect(await digestAt(new Date(t0.getTime() + MINUTE))).toMatchObject({ sent: true, fresh: 1, maintainers: 1 });
    const [digest] = await openedDigests();
    expect(digest.goodSignature).toBe(true);
    expect(digest.recipients).toHaveLength(1);
    expect(digest.subject).toBe('Waiting for you: 1 new, 1 in all');
    expect(digest.text).toContain('The application of First <b>Distro</b> waits for review');
    // The link is whole after gpg --decrypt (no quoted-printable soft breaks) and opens the review page.
    const link = linkIn(digest.text, '/admin/applications/');
    expect(link.startsWith(`${web.url}/admin/applications/`)).toBe(true);
    const review = await admin.get(pathOf(link)).expect(200);
    expect(review.text).toContain('First &lt;b&gt;Distro&lt;/b&gt;');
    // Nothing of it outside the encryption.
    expect(digests()[0].raw).not.toContain('First');

    const home = await admin.get('/admin').expect(200);
    expect(home.text).toContain(
      `<a href="${pathOf(link)}">The application of First &lt;b&gt;Distro&lt;/b&gt; waits for review</a>`,
    );
    expect(home.text).not.toContain('<b>Distro</b>');
  });

  it('holds a second item within the window, sends it with the first after the window, and repeats nothing unasked', async () => {
    const t1 = new Date(Date.now() + 2 * MINUTE);
    await applyAndConfirm('Second Distro', 'security@second.example');
    expect(await digestAt(t1)).toMatchObject({ sent: false, fresh: 1, waiting: 2 });
    expect(await openedDigests()).toHaveLength(1);

    expect(await digestAt(new Date(t1.getTime() + 60 * MINUTE))).toMatchObject({ sent: true, fresh: 1, waiting: 2 });
    const [, second] = await openedDigests();
    expect(second.subject).toBe('Waiting for you: 1 new, 2 in all');
    expect(second.text).toMatch(/New since the last digest:\n {2}- The application of Second Distro waits/);
    expect(second.text).toMatch(/Still waiting:\n {2}- The application of First <b>Distro<\/b> waits/);

    // Both still wait, nothing new: no mail, however long after.
    expect(await digestAt(new Date(t1.getTime() + 600 * MINUTE))).toMatchObject({ sent: false, fresh: 0 });
    expect(await openedDigests()).toHaveLength(2);

    const home = await admin.get('/admin').expect(200);
    expect(home.text).toContain('The application of Second Distro waits for review');
    const [{ n }] = await web.runtime.database.dataSource.query(
      `SELECT count(*) AS n FROM audit_entry WHERE action = 'maintainer.digest_sent'`,
    );
    expect(Number(n)).toBe(2);
  });

  it('shows the home page to a logged-in maintainer only', async () => {
    const anonymous = await request(web.url).get('/admin');
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toMatch(/^\/admin\/login/);
  });
  it('counts a member’s failed copies in a row, resets the count when one goes, and flags it at BOUNCE_FLAG_THRESHOLD', async () => {
    const ds = web.runtime.database.dataSource;
    const audit = web.app.get(AuditLog);
    const email = 'security@bouncing.example';
    const armored = await gpg.exportPublic(await gpg.generateKey(email));
    const member = await web.app
      .get(ImportMember)
      .execute({ email, organisation: 'Bouncing Distro', key: armored, acknowledged: true });
    const key = await readKey({ armoredKey: armored });
    const signer = await web.app.get(ListKey).secretKey();
    const fanOut = web.app.get(FanOut, { strict: false });
    /** The member's mail server: takes a copy, or refuses it for good (a 550). */
    let refuses = false;
    const transport = new (class extends MailTransport {
      async deliver(_mail: OutgoingMail) {
        if (refuses) throw new TransportFailure('550 mailbox unavailable', true, 550);
      }
      async close() {}
    })();
    const worker = new PostDeliveryWorker(ds, web.settings, transport, audit, web.app.get(Policies, { strict: false }));
    const copyIds: string[] = [];
    /** A post to the member alone, as the pipeline stores and fans one out, then its delivery. */
    async function aPost(refused: boolean) {
      const { sessionKey, bodyPackets } = await sealPost(
        Buffer.from('Content-Type: text/plain\r\n\r\nA post\r\n'),
        signer,
      );
      const copies = await fanOut.keyPackets(sessionKey, [{ memberId: member.id, email, key }]);
      const postId = randomUUID();
      await ds.transaction(async (manager) => {
        await manager.insert(Post, {
          id: postId,
          inboundMessageId: randomUUID(),
          maintainerId: maintainer.id,
          signatureDigest: randomBytes(32).toString('hex'),
          signedAt: new Date(),
          subjectSealed: null,
          bodyPackets: Buffer.from(bodyPackets),
          createdAt: new Date(),
        });
        await fanOut.enqueue(manager, postId, copies);
      });
      refuses = refused;
      await worker.drain();
      const [{ id }] = await ds.query(`SELECT id FROM post_delivery WHERE post_id = $1`, [postId]);
      copyIds.push(id);
    }
    const memberPage = async () => (await admin.get(`/admin/members/${member.id}`).expect(200)).text;
    const shown = async () => /id="bounces">([^<]*)/.exec(await memberPage())![1].trim();

    await aPost(false);
    expect(await shown()).toBe('none');
    await aPost(true);
    await aPost(true);
    expect(await shown()).toMatch(/^2 since /);
    expect(await memberPage()).not.toContain('bounce-flag');
    // A copy that went, then bounced (its VERP address names it): a failure too, the third in a row.
    await aPost(false);
    const bounced = await ds.transaction((manager) =>
      new Bounces(audit).record(manager, { id: randomUUID(), verpToken: copyIds.at(-1) } as InboundMessage),
    );
    expect(bounced).toBe(true);
    expect(await shown()).toMatch(/^3 since /);
    expect(await memberPage()).toContain(
      '<span class="status flagged" id="bounce-flag">flagged: probably unreachable</span>',
    );
    const home = await admin.get('/admin').expect(200);
    expect(home.text).toContain(
      `<a href="/admin/members/${member.id}">3 copies to Bouncing Distro &lt;${email}&gt; failed in a row (flagged: probably unreachable)</a>`,
    );

    // In the next digest, as news (the window has long passed in this file's clock).
    expect(await digestAt(new Date(Date.now() + 24 * 60 * MINUTE))).toMatchObject({ sent: true, fresh: 1 });
    const latest = (await openedDigests()).at(-1)!;
    expect(latest.text).toMatch(
      /New since the last digest:\n {2}- 3 copies to Bouncing Distro <security@bouncing.example> failed in a row \(flagged/,
    );
    expect(linkIn(latest.text, '/admin/members/')).toBe(`${web.url}/admin/members/${member.id}`);

    // A copy that goes resets the count: nothing waits for this member any more.
    await aPost(false);
    expect(await shown()).toBe('none');
    expect((await admin.get('/admin').expect(200)).text).not.toContain('Bouncing Distro');
  });
});
