import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SettingsError } from '@cordon/config';
import { testSettings } from '../../../../../test/support/settings';
import { ingressOptions, MAX_RECIPIENTS } from './ingress-options';

const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });

describe('the SMTP listener options', () => {
  let dir: string;
  const file = (name: string) => join(dir, name);
  const settings = (env: Record<string, string> = {}) => testSettings({ DATA_DIR: dir, ...env });
  const withKey = (key: string) => settings({ SMTP_TLS_CERT_FILE: file('cert.pem'), SMTP_TLS_KEY_FILE: file(key) });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cordon-smtp-options-'));
    openssl(
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1'],
      ...['-subj', '/CN=localhost', '-keyout', file('key.pem'), '-out', file('cert.pem')],
    );
    writeFileSync(file('other-ec.pem'), openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'));
    writeFileSync(file('other-ed25519.pem'), openssl('genpkey', '-algorithm', 'ed25519'));
    writeFileSync(file('garbage.pem'), 'not a key');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('offers no AUTH, and no STARTTLS without a certificate; bounds size, clients, recipients and time', () => {
    const options = ingressOptions(settings({ SMTP_MAX_SIZE: '1000', SMTP_MAX_CLIENTS: '7' }));
    expect(options).toMatchObject({
      lmtp: false,
      disabledCommands: ['AUTH', 'STARTTLS'],
      hideSTARTTLS: true,
      secure: false,
      size: 1000,
      rejectOversized: true,
      maxClients: 7,
      maxRecipients: MAX_RECIPIENTS,
      disableReverseLookup: true,
      hideENHANCEDSTATUSCODES: false,
      logger: false,
    });
    expect(options.key).toBeUndefined();
    expect(options.cert).toBeUndefined();
    expect(options.socketTimeout).toBe(60_000);
    expect(options.closeTimeout).toBeLessThanOrEqual(30_000);
    expect(options.banner).toContain('distributors@example.org');
  });

  it('drops an idle client after SMTP_IDLE_SECONDS', () => {
    expect(ingressOptions(settings({ SMTP_IDLE_SECONDS: '7' })).socketTimeout).toBe(7_000);
  });

  it('speaks LMTP when SMTP_LMTP is true', () => {
    expect(ingressOptions(settings({ SMTP_LMTP: 'true' })).lmtp).toBe(true);
  });

  it("offers STARTTLS with the operator's certificate, TLS 1.2 at least", () => {
    const options = ingressOptions(withKey('key.pem'));
    expect(options).toMatchObject({ disabledCommands: ['AUTH'], secure: false, minVersion: 'TLSv1.2' });
    expect(options.hideSTARTTLS).toBeUndefined();
    expect(String(options.cert)).toContain('BEGIN CERTIFICATE');
    expect(String(options.key)).toContain('PRIVATE KEY');
  });

  it.each([
    ['missing.pem', /^Invalid setting SMTP_TLS_KEY_FILE: cannot read .*missing\.pem \(ENOENT/],
    ['garbage.pem', /^Invalid setting SMTP_TLS_CERT_FILE: not a PEM certificate and key/],
    ['other-ec.pem', /^Invalid setting SMTP_TLS_CERT_FILE: not a PEM certificate and key \(.*mismatch/],
    ['other-ed25519.pem', /^Invalid setting SMTP_TLS_KEY_FILE: not the key of the certificate/],
  ])('stops start-up with one line for the key %s', (key, expected) => {
    const attempt = () => ingressOptions(withKey(key));
    expect(attempt).toThrow(SettingsError);
    expect(attempt).toThrow(expected);
  });
});
