/**
 * The browser harness catches what it says it catches (test/support/browser.ts): otherwise a
 * browser test that passes proves nothing about CSP violations or injected script. Pages here are
 * made up and served by Playwright's router, with our CSP; no app and no network.
 */
import type { Browser } from 'playwright-core';
import { launchBrowser, newVisitor, Visitor } from '../support/browser';

jest.setTimeout(60_000);

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:";
const ORIGIN = 'http://127.0.0.1:9';

describe('the browser harness', () => {
  let browser: Browser;
  let visitor: Visitor;
  const files: Record<string, { type: string; body: string; status?: number }> = {
    '/ok.css': { type: 'text/css', body: 'body { color: #222 }' },
    '/alert.js': { type: 'text/javascript', body: 'alert("hi")' },
    '/throw.js': { type: 'text/javascript', body: 'throw new Error("boom")' },
    '/log.js': { type: 'text/javascript', body: 'console.error("something broke")' },
  };
  const page = (head: string, body = '<p>x</p>') =>
    `<!doctype html><html><head>${head}</head><body>${body}</body></html>`;

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  beforeEach(async () => {
    visitor = await newVisitor(browser, ORIGIN);
    await visitor.context.route('**/*', async (route) => {
      const path = new URL(route.request().url()).pathname;
      const file = files[path];
      if (file) return route.fulfill({ status: file.status ?? 200, contentType: file.type, body: file.body });
      if (path.startsWith('/page/')) {
        const html = decodeURIComponent(path.slice('/page/'.length));
        return route.fulfill({
          status: 200,
          contentType: 'text/html',
          headers: { 'content-security-policy': CSP },
          body: html,
        });
      }
      return route.fulfill({ status: 404, contentType: 'text/plain', body: 'not found' });
    });
  });
  afterEach(() => visitor.close());
  afterAll(() => browser?.close());

  async function problemsOf(html: string): Promise<string[]> {
    await visitor.page.goto(`/page/${encodeURIComponent(html)}`);
    await visitor.page.waitForLoadState('networkidle');
    return visitor.problems;
  }

  it('finds nothing wrong with a clean page', async () => {
    expect(await problemsOf(page('<link rel="stylesheet" href="/ok.css">'))).toEqual([]);
  });

  it.each([
    ['an inline script', page('', '<script>document.title = "ran"</script>'), /CSP violation.*script-src-elem/],
    ['an inline style attribute', page('', '<p style="color:red">x</p>'), /CSP violation.*style-src-attr/],
    [
      'an inline event handler',
      page('', '<img src="data:," onload="document.title=1">'),
      /CSP violation.*script-src-attr/,
    ],
    ['a dialog', page('<script src="/alert.js"></script>'), /alert dialog opened.*"hi"/],
    ['an uncaught exception', page('<script src="/throw.js"></script>'), /uncaught exception.*boom/],
    ['a console error', page('<script src="/log.js"></script>'), /console error.*something broke/],
    [
      'a missing stylesheet',
      page('<link rel="stylesheet" href="/missing.css">'),
      /stylesheet .*\/missing\.css answered 404/,
    ],
  ])('reports %s', async (_what, html, expected) => {
    const problems = await problemsOf(html);
    expect(problems.join('\n')).toMatch(expected);
    expect(() => visitor.expectNoProblems()).toThrow();
  });
});
