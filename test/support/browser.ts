/**
 * A real browser for tests: Debian's chromium (/usr/bin/chromium) driven by playwright-core, never
 * a downloaded one (docs/architecture.md, "Toolchain notes"). Every page it opens is watched: a console error, an
 * uncaught exception, a Content-Security-Policy violation (our CSP forbids inline script and
 * style, so one is a bug), a dialog (alert() means someone's script ran) or a failed stylesheet,
 * script or image is recorded as a problem, and `expectNoProblems()` fails the test on any.
 * `screenshot()` saves what the user sees under test/artifacts/ (git-ignored) for a person to look at.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium, Locator, Page, Response } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS_DIR = join(__dirname, '..', 'artifacts');

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
    ],
  });
}

/** One person's browser: own cookies, own pages, every page watched for problems. */
export interface Visitor {
  context: BrowserContext;
  page: Page;
  /** What went wrong in the page so far, one line each. */
  problems: string[];
  /** Fails the calling test if anything went wrong in any page of this visitor. */
  expectNoProblems(): void;
  close(): Promise<void>;
}

/** What the page reports through the binding installed by `watch()`. */
interface Violation {
  directive: string;
  blockedURI: string;
  sourceFile: string;
  line: number;
}

/**
 * A fresh browser context (a new person: no cookies) at `baseURL`, with one page. The viewport is
 * an ordinary laptop's, so screenshots show what a user would see.
 */
export async function newVisitor(browser: Browser, baseURL: string): Promise<Visitor> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
  // Generous: argon2 and key checks on a busy CI machine take seconds, not milliseconds.
  context.setDefaultTimeout(30_000);
  context.setDefaultNavigationTimeout(60_000);
  const problems: string[] = [];
  await watch(context, problems);
  const page = await context.newPage();
  return {
    context,
    page,
    problems,
    expectNoProblems: () => expect(problems).toEqual([]),
    close: () => context.close(),
  };
}

async function watch(context: BrowserContext, problems: string[]): Promise<void> {
  // The securitypolicyviolation event names the directive and the source; Chromium also logs a
  // console error, but the event is the standard signal and works whatever the console says.
  // Init scripts are injected by the DevTools protocol, so the CSP under test does not block them.
  await context.exposeBinding('__cordonCspViolation', ({ page }, v: Violation) => {
    problems.push(
      `CSP violation on ${page.url()}: ${v.directive} blocked ${v.blockedURI || 'inline'} (${v.sourceFile}:${v.line})`,
    );
  });
  // A string, not a function: this file is compiled without the DOM library.
  await context.addInitScript(`
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cordonCspViolation({
        directive: e.effectiveDirective, blockedURI: e.blockedURI, sourceFile: e.sourceFile, line: e.lineNumber,
      });
    });
  `);
  context.on('page', (page) => {
    page.on('console', (message) => {
      // "Failed to load resource" is Chromium's echo of a 4xx/5xx answer: the response listener
      // below judges those (a refusal page is meant to be a 4xx; a missing stylesheet is not).
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
        problems.push(`console error on ${page.url()}: ${message.text()}`);
      }
    });
    page.on('pageerror', (error) => problems.push(`uncaught exception on ${page.url()}: ${error.message}`));
    page.on('dialog', (dialog) => {
      problems.push(`a ${dialog.type()} dialog opened on ${page.url()}: ${JSON.stringify(dialog.message())}`);
      void dialog.dismiss().catch(() => undefined);
    });
    // A page is only as good as its stylesheet: a sub-resource that fails is a broken page. The
    // documents themselves are the tests' business (a refusal page is meant to be a 4xx).
    page.on('response', (response) => {
      const type = response.request().resourceType();
      if (type !== 'document' && response.status() >= 400) {
        problems.push(`${type} ${response.url()} answered ${response.status()}`);
      }
    });
    page.on('requestfailed', (request) => {
      if (request.resourceType() !== 'document') {
        problems.push(`${request.resourceType()} ${request.url()} failed: ${request.failure()?.errorText}`);
      }
    });
  });
}

let shots = 0;

/**
 * Removes the screenshots of an earlier run, so test/artifacts/ shows this run only. Call it once
 * in a file's beforeAll (one browser test file writes there at a time).
 */
export function clearScreenshots(): void {
  shots = 0;
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  for (const file of readdirSync(ARTIFACTS_DIR)) {
    if (/^\d{2,}-.*\.png$/.test(file)) rmSync(join(ARTIFACTS_DIR, file), { force: true });
  }
}

/** Saves the whole page as test/artifacts/<nn>-<name>.png, numbered in the order taken. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const safe = name.replace(/[^a-z0-9-]+/gi, '-').toLowerCase();
  const path = join(ARTIFACTS_DIR, `${String(++shots).padStart(2, '0')}-${safe}.png`);
  await page.screenshot({ path, fullPage: true, animations: 'disabled' });
  return path;
}

/**
 * Clicks a submit button and waits until the next page has loaded (after any redirect): returns
 * that page's response, so the caller can check its status. Waiting for the load event, not for a
 * URL, also works when the answer comes back at the same address (a form re-rendered with errors).
 */
export async function submit(page: Page, button: Locator): Promise<Response> {
  let last: Response | undefined;
  const onResponse = (response: Response) => {
    if (response.request().isNavigationRequest() && response.frame() === page.mainFrame()) last = response;
  };
  page.on('response', onResponse);
  try {
    const loaded = page.waitForEvent('load');
    await button.click();
    await loaded;
  } finally {
    page.off('response', onResponse);
  }
  if (!last) throw new Error(`clicking ${button.toString()} loaded no page`);
  return last;
}

/** Opens a path and checks the answer's status (200 unless told). */
export async function visit(page: Page, path: string, status = 200): Promise<Response> {
  const response = await page.goto(path);
  if (!response) throw new Error(`no response for ${path}`);
  expect({ path, status: response.status() }).toEqual({ path, status });
  return response;
}

/** The text a user sees in an element (innerText: rendered, whitespace collapsed as shown), trimmed. */
export async function textOf(locator: Locator): Promise<string> {
  return (await locator.innerText()).trim();
}
