/**
 * "Ask for more information" end to end over HTTP, with GnuPG as applicant, voucher and maintainer
 * (issue 11): the maintainer asks on the review page, the applicant gets the question encrypted,
 * follows its private status link and answers there; the maintainer reads the answer on the review
 * page and in the digest, then approves. An answer at a used or someone else's link changes
 * nothing. On the embedded database or PostgreSQL (DATABASE_URL).
 */
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { ListKey } from '@cordon/crypto';
import { DeliveryWorker } from '@cordon/delivery';
import { ImportMember } from '@cordon/membership';
import { MaintainerDigest } from '@cordon/relay';
import { Agent, loginAgent, MaintainerAccount } from './support/admin-login';
import { csrfFrom, pathOf } from './support/forms';
import { GpgHome } from './support/gpg';
import { linkIn, mailTo, openMail } from './support/mailbox';
import { RunningWebApp, startWebApp } from './support/web-app';

const VOUCHER = 'security@distro-a.example';
const QUESTION = 'Which of your releases ship the library, and who on your team reads the list?';
const ANSWER = 'Releases 12 and 13 <ship it>; Nadia and Omar read the list.';

describe('asking an applicant for more information', () => {
  let web: RunningWebApp;
  let gpg: GpgHome;
  let maintainer: MaintainerAccount;
  let admin: Agent;
  let applicants = 0;

  beforeAll(async () => {
    web = await startWebApp({ TRUST_PROXY: 'loopback' });
    gpg = GpgHome.create();
    await gpg.importKey(await web.app.get(ListKey).armoredPublicKey());
    await web.app.get(ImportMember).execute({
      email: VOUCHER,
      organisation: 'Distro A',
      key: await gpg.exportPublic(await gpg.generateKey(VOUCHER)),
      acknowledged: true,
    });
    ({ agent: admin, maintainer } = await loginAgent(web, { gpg }));
  });

  afterAll(async () => {
    await web?.close();
    await gpg?.cleanup();
  });

  const deliver = () => web.app.get(DeliveryWorker).drain();
  const lastMailTo = async (address: string) => {
    await deliver();
    return openMail(gpg, mailTo(web.settings.dataDir, address).at(-1)!);
  };
  const count = async (table: string) =>
    Number((await web.runtime.database.dataSource.query(`SELECT count(*) AS n FROM ${table}`))[0].n);

  /**
   * Applies, confirms and is vouched for, all through the pages and the encrypted links; returns
   * the private status link from the confirmation mail and the review page's path (from the admin home).
   */
  async function vouchedApplication(organisation: string, email: string) {
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
        key: await gpg.exportPublic(await gpg.generateKey(email)),
        evidence1: 'We ship the project in our main repository since 2019.',
        evidence2: 'About 40,000 installations.',
        evidence3: 'Advisories: https://distro.example/security',
        evidence4: 'We build from upstream sources.',
        evidence5: 'We send patches upstream.',
        acceptPolicy: 'yes',
        policyVersion: '1',
        voucherEmail: VOUCHER,
      })
      .expect(201);
    const confirmation = await lastMailTo(email);
    const statusPath = pathOf(linkIn(confirmation.text, '/apply/status/'));
    const confirmPath = pathOf(linkIn(confirmation.text, '/apply/confirm/'));
    const confirmPage = await agent.get(confirmPath).expect(200);
    await agent
      .post(confirmPath)
      .type('form')
      .send({ _csrf: csrfFrom(confirmPage.text) })
      .expect(200);

    const vouchPath = pathOf(linkIn((await lastMailTo(VOUCHER)).text, '/vouch/'));
    const vouchPage = await agent.get(vouchPath).expect(200);
    await agent
      .post(vouchPath)
      .type('form')
      .send({ _csrf: csrfFrom(vouchPage.text), decision: 'vouched', comment: 'I know their security team.' })
      .expect(200);
    expect((await agent.get(statusPath).expect(200)).text).toContain('With the maintainers for review');

    const home = await admin.get('/admin').expect(200);
    const reviewPath = new RegExp(
      `href="(/admin/applications/[0-9a-f-]+)">The application of ${organisation} waits`,
    ).exec(home.text)?.[1];
    expect(reviewPath).toBeDefined();
    return { agent, statusPath, reviewPath: reviewPath! };
  }

  /** Posts an answer as the status page's form does; the token is the session's, from any form page. */
  async function answer(agent: Agent, statusPath: string, reply: string) {
    const page = await agent.get('/apply').expect(200);
    return agent
      .post(`${statusPath}/reply`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), reply });
  }

  async function applicationState(reviewPath: string) {
    const id = reviewPath.split('/').at(-1);
    const [row] = await web.runtime.database.dataSource.query(
      `SELECT status, info_request, info_reply FROM application WHERE id = $1`,
      [id],
    );
    return row as { status: string; info_request: string | null; info_reply: string | null };
  }

  it('asks in the admin UI, the applicant answers at its link, the maintainer reads it on the review page and in the digest, and approves', async () => {
    const applicant = 'security@asked.example';
    const { agent, statusPath, reviewPath } = await vouchedApplication('Asked Distro', applicant);

    const review = await admin.get(reviewPath).expect(200);
    const asked = await admin
      .post(`${reviewPath}/request-info`)
      .type('form')
      .send({ _csrf: csrfFrom(review.text), question: QUESTION });
    expect(asked.status).toBe(303);
    expect(asked.headers.location).toBe(`${reviewPath}?done=request-info`);

    // The question reaches the applicant encrypted to its key, signed by the list, and nowhere in clear.
    const requestMail = await lastMailTo(applicant);
    expect(requestMail.subject).toMatch(/More information needed/);
    expect(requestMail.text).toContain(QUESTION);
    expect(requestMail.goodSignature).toBe(true);
    expect(mailTo(web.settings.dataDir, applicant).at(-1)!.raw).not.toContain('releases');

    // The applicant follows its private link (from the confirmation mail) and answers there.
    const statusPage = await agent.get(statusPath).expect(200);
    expect(statusPage.text).toContain('The maintainers need more information from you');
    expect(statusPage.text).toContain(QUESTION);
    const answered = await answer(agent, statusPath, ANSWER);
    expect(answered.status).toBe(303);
    expect((await agent.get(statusPath).expect(200)).text).toContain('With the maintainers for review');

    // The maintainer reads the answer on the review page, escaped...
    const reread = await admin.get(reviewPath).expect(200);
    expect(reread.text).toContain('Releases 12 and 13 &lt;ship it&gt;; Nadia and Omar read the list.');
    // ...and hears of it in the digest, with a link back to the review page.
    expect(await web.app.get(MaintainerDigest).runOnce()).toMatchObject({ sent: true });
    const digest = await lastMailTo(maintainer.email);
    expect(digest.subject).toMatch(/^Waiting for you/);
    expect(digest.text).toContain('Asked Distro answered your question on its application');
    expect(pathOf(linkIn(digest.text, '/admin/applications/'))).toBe(reviewPath);
    expect((await admin.get('/admin').expect(200)).text).toContain(
      'Asked Distro answered your question on its application',
    );

    const approvePage = await admin.get(reviewPath).expect(200);
    const approved = await admin
      .post(`${reviewPath}/approve`)
      .type('form')
      .send({ _csrf: csrfFrom(approvePage.text) });
    expect(approved.status).toBe(303);
    expect((await agent.get(statusPath).expect(200)).text).toContain('Approved: you are a member');
    expect((await lastMailTo(applicant)).subject).toMatch(/Welcome/);
    expect((await admin.get('/admin').expect(200)).text).not.toContain('Asked Distro');
  });

  it('refuses an answer at a used link, at a made-up one and at another applicant’s, and changes nothing', async () => {
    const first = await vouchedApplication('Careful Distro', 'security@careful.example');
    const other = await vouchedApplication('Other Distro', 'security@other.example');
    const review = await admin.get(first.reviewPath).expect(200);
    await admin
      .post(`${first.reviewPath}/request-info`)
      .type('form')
      .send({ _csrf: csrfFrom(review.text), question: QUESTION })
      .expect(303);
    expect((await answer(first.agent, first.statusPath, 'Our first answer.')).status).toBe(303);
    const afterAnswer = await applicationState(first.reviewPath);
    expect(afterAnswer).toEqual({ status: 'in_review', info_request: QUESTION, info_reply: 'Our first answer.' });
    const otherBefore = await applicationState(other.reviewPath);
    const audited = await count('audit_entry');

    // The same link again, once answered: nothing is open to answer.
    const again = await answer(first.agent, first.statusPath, 'A second answer, overwriting the first.');
    expect(again.status).toBe(409);
    expect(again.text).toContain('The maintainers have not asked you anything that is still open.');
    // A link nobody was given.
    const madeUp = await answer(first.agent, `/apply/status/${randomBytes(32).toString('base64url')}`, 'Let me in.');
    expect(madeUp.status).toBe(404);
    // Another applicant's own link (it was asked nothing): not a way to answer for the first.
    const foreign = await answer(other.agent, other.statusPath, 'Answering for Careful Distro.');
    expect(foreign.status).toBe(409);

    expect(await applicationState(first.reviewPath)).toEqual(afterAnswer);
    expect(await applicationState(other.reviewPath)).toEqual(otherBefore);
    expect(await count('audit_entry')).toBe(audited);
    expect((await admin.get(first.reviewPath).expect(200)).text).not.toContain('overwriting');
  });
});
