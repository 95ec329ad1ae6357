/**
 * Issue 11, item 10: the admin pages as a maintainer reads them. A member's history reads as
 * sentences, not audit JSON; "change status" chooses nothing destructive for the maintainer, and
 * submitting it unchosen changes nothing; every error of a form is listed together; identifiers
 * and dates do not break at their hyphens; disabled buttons look disabled; there is a favicon.
 * State is set up through the app: the member is imported, suspended and reinstated by a maintainer.
 */
import { ImportMember } from '@cordon/membership';
import { Agent, loginAgent } from './support/admin-login';
import { csrfFrom } from './support/forms';
import { GpgHome } from './support/gpg';
import { RunningWebApp, startWebApp } from './support/web-app';

describe('admin pages read as a maintainer reads them', () => {
  let web: RunningWebApp;
  let agent: Agent;
  let memberId: string;
  const gpg = GpgHome.create();

  beforeAll(async () => {
    web = await startWebApp();
    ({ agent } = await loginAgent(web));
    const member = await web.app.get(ImportMember).execute({
      email: 'sec@member.example',
      organisation: 'Member Org',
      key: await gpg.exportPublic(await gpg.generateKey('sec@member.example')),
      acknowledged: true,
    });
    memberId = member.id;
  });

  afterAll(async () => {
    await web?.close();
    await gpg.cleanup();
  });

  async function changeStatus(form: Record<string, string>) {
    const page = await agent.get(`/admin/members/${memberId}`).expect(200);
    return agent
      .post(`/admin/members/${memberId}/status`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), ...form });
  }

  const historyOf = (html: string) => /<table id="member-history">([^]*?)<\/table>/.exec(html)![1];

  it('preselects no action, and a status change submitted without one is refused and changes nothing', async () => {
    const page = await agent.get(`/admin/members/${memberId}`).expect(200);
    expect(page.text).toMatch(/<option value="" disabled selected>Choose an action…<\/option>/);
    expect(page.text).not.toMatch(/<option value="(suspend|remove)"[^>]* selected/);

    const refused = await changeStatus({ reason: 'no action chosen' });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('id="error-summary"');
    expect(refused.text).toMatch(/<a href="#action">Choose an action\.<\/a>/);
    const after = await agent.get(`/admin/members/${memberId}`).expect(200);
    expect(after.text).toMatch(/id="member-status">active</);
  });

  it('lists every error of a form together above it, each linking to its field', async () => {
    const page = await agent.get('/admin/embargoes').expect(200);
    const refused = await agent
      .post('/admin/embargoes')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), title: '', publicAt: '', cvssVector: 'not a vector', cveIds: 'CVE-1' });
    expect(refused.status).toBe(400);
    const summary = /<div class="notice bad error-summary"[^]*?<\/div>/.exec(refused.text)![0];
    const links = [...summary.matchAll(/<a href="#([A-Za-z]+)">/g)].map((m) => m[1]);
    expect(links.length).toBeGreaterThanOrEqual(2);
    expect(links).toEqual(expect.arrayContaining(['title', 'publicAt']));
  });

  it("tells a member's history in sentences, not audit JSON", async () => {
    expect((await changeStatus({ action: 'suspend', reason: 'Key compromise suspected' })).status).toBe(303);
    expect((await changeStatus({ action: 'reinstate', reason: 'New key checked' })).status).toBe(303);
    const history = historyOf((await agent.get(`/admin/members/${memberId}`).expect(200)).text);
    expect(history).toContain('Was brought over as a member');
    expect(history).toContain('Acknowledged the Embargo Policy, version 1');
    expect(history).toMatch(/<td>Maintainer 1<\/td>\s*<td>Was suspended\. /);
    expect(history).toMatch(/<td>Maintainer 1<\/td>\s*<td>Was reinstated\. /);
    expect(history).toMatch(/<td>the operator<\/td>\s*<td>Was brought over/);
    expect(history).not.toMatch(/[{}]|&#34;|&quot;/);
  });

  it('keeps identifiers and dates whole, styles disabled buttons, and names a favicon', async () => {
    const page = await agent.get(`/admin/members/${memberId}`).expect(200);
    expect(page.text).toContain('<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">');
    const icon = await agent.get('/assets/favicon.svg').expect(200);
    expect(icon.headers['content-type']).toMatch(/^image\/svg\+xml/);
    const css = (await agent.get('/assets/cordon.css').expect(200)).text;
    expect(css).toMatch(/\.nowrap \{\s*white-space: nowrap;/);
    expect(css).toMatch(/button:disabled,[^{]*\{[^}]*cursor: not-allowed;/);
    expect(historyOf(page.text)).toMatch(/<td class="nowrap">\d{4}-\d{2}-\d{2} \d{2}:\d{2}<\/td>/);
  });
});
