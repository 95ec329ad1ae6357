/**
 * Vulnerability reports on the admin home page (README "What waits for the maintainers"), over HTTP:
 * a new report waits for its first answer until a maintainer acknowledges it on its page; the
 * reporter's answer to a question waits until a maintainer steps again. Each row links to the
 * report and names it by reference only: nothing the reporter wrote is on the home page.
 */
import { FiledReport, FileReport, ReporterReply } from '@cordon/reports';
import { Agent, loginAgent } from './support/admin-login';
import { csrfFrom } from './support/forms';
import { aReport } from './support/reports-testbed';
import { RunningWebApp, startWebApp } from './support/web-app';

const CANARY = 'home-canary-5e1d';

describe('reports on the admin home page', () => {
  let web: RunningWebApp;
  let agent: Agent;

  beforeAll(async () => {
    web = await startWebApp({ PROJECT_TIME_ZONE: 'Europe/Berlin' });
    ({ agent } = await loginAgent(web, { name: 'Lea Lead' }));
  });

  afterAll(async () => {
    await web?.close();
  });

  /** Posts one of the report page's forms as the page gives it (with its CSRF token). */
  const act = async (report: FiledReport, action: string, fields: Record<string, string> = {}) => {
    const page = await agent.get(`/admin/reports/${report.id}`).expect(200);
    await agent
      .post(`/admin/reports/${report.id}/${action}`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), ...fields })
      .expect(303);
  };

  /** The home page's rows for this report, each as [kind, text], after checking no reporter text is there. */
  async function rowsOf(report: FiledReport): Promise<string[][]> {
    const home = await agent.get('/admin').expect(200);
    expect(home.text).not.toContain(CANARY);
    const rows = [...home.text.matchAll(/<tr class="waiting ([a-z_]+)">\s*<td><a href="([^"]+)">([^<]*)<\/a>/g)];
    return rows.filter((row) => row[2] === `/admin/reports/${report.id}`).map((row) => [row[1], row[3]]);
  }

  it('lists a new report until it is acknowledged, and the reporter answer until a maintainer steps again', async () => {
    const report = await web.app
      .get(FileReport)
      .execute(
        aReport({ component: `frob ${CANARY}`, description: `Overflow ${CANARY}`, reporterName: `Rita ${CANARY}` }),
        'form',
      );
    const [[kind, text]] = await rowsOf(report);
    expect(kind).toBe('report');
    expect(text).toMatch(
      new RegExp(
        `^Vulnerability report ${report.reference} waits for its first answer, due \\w+day \\d{4}-\\d{2}-\\d{2} 24:00 Europe/Berlin \\(23:00 UTC\\)$`,
      ),
    );

    await act(report, 'acknowledge');
    expect(await rowsOf(report)).toEqual([]);

    await act(report, 'ask', { question: 'Which build flags did you use?' });
    expect(await rowsOf(report)).toEqual([]);
    await web.app.get(ReporterReply).execute(report.id, `The defaults ${CANARY}`, []);
    expect(await rowsOf(report)).toEqual([
      ['report_answer', `The reporter of ${report.reference} wrote on its report`],
    ]);

    await act(report, 'comment', { comment: 'Reproduced on 2.4.1.' });
    expect(await rowsOf(report)).toEqual([]);
  });
});
