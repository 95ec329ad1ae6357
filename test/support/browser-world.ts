import type { Browser } from 'playwright-core';
import { ListKey } from '@cordon/crypto';
import { ImportMember } from '@cordon/membership';
import { launchBrowser, newVisitor, Visitor } from './browser';
import { GpgHome } from './gpg';
import { RunningWebApp, startWebApp } from './web-app';

/** What a browser test stands on, once its beforeAll has run. */
export interface BrowserWorld {
  readonly web: RunningWebApp;
  /** A gpg home that holds the list's public key, where members' keys are made. */
  readonly gpg: GpgHome;
  readonly browser: Browser;
  /** A new visitor (its own browser context), closed with the world. */
  visitor(): Promise<Visitor>;
  /** Fails the calling test if anything went wrong in a page of any visitor so far. */
  expectNoProblems(): void;
  /** Imports an active member that acknowledged the policy, its key made in the world's gpg home; its id. */
  member(email: string, organisation: string): Promise<string>;
}

/**
 * Chromium, the web app on a fresh database, a gpg home and the visitors of one test file, started
 * in a beforeAll and stopped in an afterAll registered here, before the file's own hooks: whatever
 * fails, everything started is stopped (a test that times out must not hold a server or a browser).
 * After each test, every page any visitor opened must have shown no problem (test/support/browser.ts).
 */
export function browserWorld(settings: Record<string, string> = {}): BrowserWorld {
  let web: RunningWebApp | undefined;
  let gpg: GpgHome | undefined;
  let browser: Browser | undefined;
  const visitors: Visitor[] = [];

  beforeAll(async () => {
    // One after the other: if one fails to start, afterAll still knows those to stop.
    browser = await launchBrowser();
    web = await startWebApp(settings);
    gpg = GpgHome.create();
    await gpg.importKey(await web.app.get(ListKey).armoredPublicKey());
  });

  // Every test of the file fails on a console error, a CSP violation or a dialog in any of its pages.
  afterEach(() => {
    for (const visitor of visitors) visitor.expectNoProblems();
  });

  afterAll(async () => {
    for (const visitor of visitors) await visitor.close();
    await browser?.close();
    await web?.close();
    await gpg?.cleanup();
  });

  const started = <T>(thing: T | undefined): T => {
    if (thing === undefined) throw new Error('the browser world is used before its beforeAll ran');
    return thing;
  };
  return {
    get web() {
      return started(web);
    },
    get gpg() {
      return started(gpg);
    },
    get browser() {
      return started(browser);
    },
    async visitor() {
      const visitor = await newVisitor(started(browser), started(web).url);
      visitors.push(visitor);
      return visitor;
    },
    expectNoProblems() {
      for (const visitor of visitors) visitor.expectNoProblems();
    },
    async member(email, organisation) {
      const home = started(gpg);
      const key = await home.exportPublic(await home.generateKey(email));
      const member = await started(web).app.get(ImportMember).execute({ email, organisation, key, acknowledged: true });
      return member.id;
    },
  };
}
