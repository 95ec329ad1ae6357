/**
 * A member signing in to self-service in a real browser, as a member does: asks for a link at
 * /member, reads the link from the mail encrypted to its key with its own gpg, and follows it.
 */
import type { Page } from 'playwright-core';
import { DeliveryWorker } from '@cordon/delivery';
import { submit, visit } from './browser';
import { GpgHome } from './gpg';
import { linkIn, mailTo, openMail } from './mailbox';
import { RunningWebApp } from './web-app';

export async function signInMemberInBrowser(
  page: Page,
  web: RunningWebApp,
  gpg: GpgHome,
  email: string,
): Promise<void> {
  await visit(page, '/member');
  await page.locator('#email').fill(email);
  await submit(page, page.getByRole('button', { name: 'Mail me a link' }));
  await web.app.get(DeliveryWorker).drain();
  const mail = await openMail(gpg, mailTo(web.settings.dataDir, email).at(-1)!);
  await visit(page, new URL(linkIn(mail.text, '/member/sign-in/')).pathname);
  await submit(page, page.getByRole('button', { name: 'Sign in' }));
}
