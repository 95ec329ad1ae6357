/**
 * The reporter's private page (issue 13, "The reporter's private page"), end to end over HTTP on a
 * real database: the link opens a session (and an unknown one nothing), the maintainers' question
 * and the reporter's reply with a file, the proposed date agreed or objected to, the credit, a
 * closed report; every form CSRF-protected, every text escaped, files only ever downloads.
 */
import passport from 'passport';
import request from 'supertest';
import { AcknowledgeReport, AskReporter, ProposePublicDate, RejectReport, ReportQueries } from '@cordon/reports';
import { ReporterLinkStrategy } from '../apps/cordon/src/web/public/reporter-link.strategy';
import { csrfFrom } from './support/forms';
import { Agent, ESCAPED, reportFormWorld, XSS } from './support/report-form-world';

jest.setTimeout(120_000);

describe('vulnerability reports: the reporter’s page', () => {
  const { web, maintainerId, from, snapshot, filedAndOpened } = reportFormWorld();

  it('opens the page through the reporter-link passport strategy, as every sign-in (docs/architecture.md, "Sign-in")', async () => {
    const strategy = (passport as unknown as { _strategy(n: string): unknown })._strategy('reporter-link');
    expect(strategy).toBeInstanceOf(ReporterLinkStrategy);
    const authenticate = jest.spyOn(passport, 'authenticate');
    try {
      await filedAndOpened();
      await request(web().url)
        .get(`/report/access/${'A'.repeat(43)}`)
        .set('X-Forwarded-For', from())
        .expect(404);
      expect(authenticate.mock.calls.map(([name]) => name as string)).toEqual(['reporter-link', 'reporter-link']);
    } finally {
      authenticate.mockRestore();
    }
  });

  it('answers an unknown or malformed link with 404, opening no reporter session', async () => {
    for (const token of ['A'.repeat(43), 'not-a-token', 'x'.repeat(500)]) {
      const browser = request.agent(web().url);
      const res = await browser.get(`/report/access/${token}`).set('X-Forwarded-For', from());
      expect(res.status).toBe(404);
      expect(res.text).toContain('This link is not valid');
      // Whatever cookie the page left (its CSRF token's session) opens nothing.
      const page = await browser.get('/report/status');
      expect(page.status).toBe(401);
      expect(page.text).toContain('private link');
    }
  });

  it('shows a rejected report’s reason and takes no more messages from its page', async () => {
    const { reportId, reporter } = await filedAndOpened({ component: 'libclosed' });
    await web().app.get(RejectReport).execute(reportId, maintainerId(), `Works as documented: ${XSS}`);

    const page = await reporter.get('/report/status').expect(200);
    expect(page.text).toMatch(/id="report-status">Not accepted as a vulnerability/);
    expect(page.text).toContain(`Works as documented: ${ESCAPED}`);
    expect(page.text).toContain('id="reply-closed"');
    expect(page.text).not.toContain('id="reply-form"');
    const late = await reporter
      .post('/report/status/reply')
      .set('X-Forwarded-For', from())
      .field('_csrf', csrfFrom(page.text))
      .field('text', 'One more thing');
    expect(late.status).toBe(409);
    expect(late.text).toContain('takes no more messages');
  });

  describe('a report’s conversation', () => {
    let reporter: Agent;
    let reportId: string;

    beforeAll(async () => {
      ({ reporter, reportId } = await filedAndOpened({ component: 'libpage' }));
    });

    const csrf = async () => csrfFrom((await reporter.get('/report/status').expect(200)).text);

    it('shows the maintainers’ question, and sends the reply with an attachment, shown escaped, the file only a download', async () => {
      await web().app.get(AcknowledgeReport).execute(reportId, maintainerId());
      await web().app.get(AskReporter).execute(reportId, maintainerId(), `Which build flags? ${XSS}`);
      const asked = await reporter.get('/report/status').expect(200);
      expect(asked.text).toMatch(/id="report-status">The maintainers need more information from you/);
      expect(asked.text).toContain(`Which build flags? ${ESCAPED}`);
      expect(asked.text).not.toContain(XSS);

      const res = await reporter
        .post('/report/status/reply')
        .set('X-Forwarded-For', from())
        .field('_csrf', await csrf())
        .field('text', `More detail ${XSS}`)
        .attach('attachments', Buffer.from(`<html>${XSS}</html>`), 'trace.html');
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/report/status?done=reply');
      const page = await reporter.get(res.headers.location).expect(200);
      expect(page.text).toMatch(/id="notice">Your message was sent to the maintainers/);
      // The answer hands the report back to the maintainers.
      expect(page.text).toMatch(/id="report-status">Acknowledged: the maintainers are looking into it/);
      expect(page.text).toContain(`More detail ${ESCAPED}`);
      expect(page.text).not.toContain(XSS);
      const href = /href="(\/report\/status\/attachments\/[0-9a-f-]{36})" download>trace\.html</.exec(page.text)![1];

      const file = await reporter.get(href).buffer(true).expect(200);
      expect(file.headers['content-type']).toBe('application/octet-stream');
      expect(file.headers['content-disposition']).toMatch(/^attachment; filename="?trace\.html"?$/);
      expect(file.headers['x-content-type-options']).toBe('nosniff');
      expect(Buffer.from(file.body as Buffer).toString()).toBe(`<html>${XSS}</html>`);
      // Another browser without the session gets nothing.
      expect((await request(web().url).get(href)).status).toBe(401);
      expect((await reporter.get('/report/status/attachments/not-an-id')).status).toBe(404);
    });

    it('refuses an empty reply beside the field, and a reply without its CSRF token', async () => {
      const before = await snapshot();
      const empty = await reporter
        .post('/report/status/reply')
        .set('X-Forwarded-For', from())
        .field('_csrf', await csrf())
        .field('text', '  ');
      expect(empty.status).toBe(400);
      expect(empty.text).toMatch(/id="text-error">Write your message/);
      const forged = await reporter.post('/report/status/reply').set('X-Forwarded-For', from()).field('text', 'hi');
      expect(forged.status).toBe(403);
      expect(await snapshot()).toEqual(before);
    });

    it('changes the credit, visible on the page', async () => {
      const refused = await reporter
        .post('/report/status/credit')
        .set('X-Forwarded-For', from())
        .type('form')
        .send({ _csrf: await csrf(), creditName: '', creditConsent: 'yes' });
      expect(refused.status).toBe(400);
      expect(refused.text).toMatch(/id="creditName-error">Give the name to credit/);

      const res = await reporter
        .post('/report/status/credit')
        .set('X-Forwarded-For', from())
        .type('form')
        .send({ _csrf: await csrf(), creditName: `Rita ${XSS}`, creditConsent: 'yes' });
      expect(res.status).toBe(303);
      const page = await reporter.get(res.headers.location).expect(200);
      expect(page.text).toMatch(/id="notice">Your credit choice is saved/);
      expect(page.text).toContain(`You are credited as <strong>Rita ${ESCAPED}</strong>`);
      expect((await web().app.get(ReportQueries).reporterView(reportId)).creditConsent).toBe(true);
    });

    it('answers the proposed public date, agree or object (with a comment), visible on the page', async () => {
      const page = await reporter.get('/report/status').expect(200);
      expect(page.text).toContain('id="date-none"');
      // The maintainers propose a date (triage, libs/reports/src/triage).
      await web().app.get(ProposePublicDate).execute(reportId, maintainerId(), {
        publicAt: '2031-03-04T10:00',
        timeZone: 'Europe/Berlin',
      });
      const proposed = await reporter.get('/report/status').expect(200);
      expect(proposed.text).toMatch(/id="proposed-date">2031-03-04 10:00 \(Europe\/Berlin\)</);

      const bare = await reporter
        .post('/report/status/date')
        .set('X-Forwarded-For', from())
        .type('form')
        .send({ _csrf: csrfFrom(proposed.text), answer: 'objected', comment: '' });
      expect(bare.status).toBe(400);
      expect(bare.text).toMatch(/id="comment-error">Say why you object/);

      const objected = await reporter
        .post('/report/status/date')
        .set('X-Forwarded-For', from())
        .type('form')
        .send({ _csrf: csrfFrom(proposed.text), answer: 'objected', comment: `Too soon ${XSS}` });
      expect(objected.status).toBe(303);
      const after = await reporter.get(objected.headers.location).expect(200);
      expect(after.text).toMatch(/id="date-answer">Your answer: <strong>you object/);
      expect(after.text).toContain(`Too soon ${ESCAPED}`);

      const agreed = await reporter
        .post('/report/status/date')
        .set('X-Forwarded-For', from())
        .type('form')
        .send({ _csrf: csrfFrom(after.text), answer: 'agreed' });
      expect(agreed.status).toBe(303);
      expect((await reporter.get('/report/status').expect(200)).text).toMatch(
        /id="date-answer">Your answer: <strong>you agree/,
      );
    });
  });
});
