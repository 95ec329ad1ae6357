/**
 * The public vulnerability report form (issue 13, "Intake"), end to end over HTTP on a real
 * database, with GnuPG as the reporter: filing with and without a key (the link shown once, or
 * mailed encrypted to the key), the list key published, and hostile, oversized or forged input
 * refused beside its field with nothing stored. The reporter's page: reporter-page.e2e.ts.
 */
import request from 'supertest';
import { ListKey } from '@cordon/crypto';
import { linkIn, mailTo, openMail } from './support/mailbox';
import { accessLinkIn, ESCAPED, MAX_BYTES, referenceIn, reportFormWorld, XSS } from './support/report-form-world';

jest.setTimeout(120_000);

describe('vulnerability reports: the public form', () => {
  const { web, gpg, db, snapshot, deliver, fileReport, openLink } = reportFormWorld();

  it('names the mail address and the list key, and publishes the key for download', async () => {
    const fingerprint = (await web().app.get(ListKey).find())!.fingerprint;
    const page = await request(web().url).get('/report').expect(200);
    expect(page.text).toContain('distributors-report@example.org');
    expect(page.text).toMatch(new RegExp(`id="list-key-fingerprint">${fingerprint}<`));
    expect(page.text).toContain('href="/list-key.asc"');
    expect(page.text).toContain('name="attachments" type="file" multiple');

    const key = await request(web().url).get('/list-key.asc').expect(200);
    expect(key.headers['content-type']).toMatch(/^application\/pgp-keys/);
    expect(key.headers['content-disposition']).toMatch(/^attachment/);
    await gpg().importKey(key.text);
    const listed = await gpg().must(['--with-colons', '--list-keys', fingerprint]);
    expect(listed.stdout.toString()).toContain(`fpr:::::::::${fingerprint}:`);
  });

  it('files a report without a key: the link is shown once, the report is stored sealed, and the link opens the page', async () => {
    const canary = `canary-${Date.now()}-no-key`;
    const before = await snapshot();
    const res = await fileReport({ component: `libfrob ${XSS}`, description: `Overflow ${canary}` }, [
      { name: 'poc.html', bytes: Buffer.from(`<html><body>${XSS} ${canary}</body></html>`) },
    ]);
    expect(res.status).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    const reference = referenceIn(res.text);
    expect(res.text).toMatch(/id="save-link-note"><strong>Save this link now: it is the only way back/);
    expect(res.text).toContain('stored sealed');
    const link = accessLinkIn(res.text);
    expect(link).toMatch(new RegExp(`^${web().url}/report/access/[A-Za-z0-9_-]{43}$`));

    expect(await snapshot()).toMatchObject({
      reports: before.reports + 1,
      attachments: before.attachments + 1,
      // No key: the reporter gets no mail (the page showed the link); the one maintainer is told.
      mail: before.mail + 1,
    });
    expect(mailTo(web().settings.dataDir, 'rita@reporter.example')).toHaveLength(0);
    // Sealed at rest: the canary is in no row of the reports' tables.
    for (const table of ['report', 'report_event', 'report_attachment']) {
      const rows = (await db().query(`SELECT * FROM ${table}`)) as Record<string, unknown>[];
      const text = rows
        .flatMap((row) => Object.values(row))
        .map((v) => (Buffer.isBuffer(v) ? v.toString('latin1') : JSON.stringify(v)))
        .join('\n');
      expect(text).not.toContain(canary);
    }

    const reporter = await openLink(link);
    const page = await reporter.get('/report/status').expect(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.text).toContain(`Your report ${reference}`);
    expect(page.text).toMatch(/id="report-status">Received: waiting for a maintainer/);
    // A script in a field is text on the page.
    expect(page.text).toContain(`libfrob ${ESCAPED}`);
    expect(page.text).not.toContain(XSS);
  });

  it('files a report with a key: the link goes encrypted to it, gpg reads it, and it is not on the page', async () => {
    const contact = 'kim@reporter.example';
    const fingerprint = await gpg().generateKey(contact);
    const keyed = await fileReport({ contact, reporterKey: await gpg().exportPublic(fingerprint) });
    expect(keyed.status).toBe(201);
    expect(keyed.text).not.toContain('/report/access/');
    expect(keyed.text).toMatch(
      new RegExp(`encrypted to your key <span class="fpr" id="reporter-key-fingerprint">${fingerprint}<`),
    );

    await deliver();
    const [mail] = mailTo(web().settings.dataDir, contact);
    expect(mail.raw).not.toContain('/report/access/');
    const opened = await openMail(gpg(), mail);
    expect(opened.goodSignature).toBe(true);
    const link = linkIn(opened.text, '/report/access/');
    const reporter = await openLink(link);
    expect((await reporter.get('/report/status').expect(200)).text).toContain('libfrob');
  });

  it('takes the key as an uploaded file, armored or binary', async () => {
    const contact = 'bin@reporter.example';
    const fingerprint = await gpg().generateKey(contact);
    const binary = await gpg().exportPublic(fingerprint, false);
    const res = await fileReport({ contact }, [{ field: 'keyFile', name: 'key.gpg', bytes: binary }]);
    expect(res.status).toBe(201);
    expect(res.text).toContain(fingerprint);
  });

  it('refuses a bad key clearly, beside the field, and stores nothing', async () => {
    const before = await snapshot();
    const garbage = await fileReport({ reporterKey: 'not a key at all' });
    expect(garbage.status).toBe(400);
    expect(garbage.text).toMatch(/id="reporterKey-error">This is not an OpenPGP key we can read/);
    // The form comes back as it was sent.
    expect(garbage.text).toContain('A heap overflow in the frob parser.');

    const expired = await gpg().expiredKey('old@reporter.example');
    const refused = await fileReport({
      contact: 'old@reporter.example',
      reporterKey: await gpg().exportPublic(expired),
    });
    expect(refused.status).toBe(400);
    expect(refused.text).toMatch(/id="reporterKey-error">[^<]*expired/);

    const secret = await fileReport({}, [
      { field: 'keyFile', name: 'key.asc', bytes: Buffer.from(await gpg().exportSecret(expired)) },
    ]);
    expect(secret.status).toBe(400);
    expect(secret.text).toMatch(/id="reporterKey-error">This is a secret key/);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses bad fields beside them, escaping what was sent, and stores nothing', async () => {
    const before = await snapshot();
    const res = await fileReport({ description: '', contact: 'nope', reproduction: XSS });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/id="description-error">Describe the vulnerability/);
    expect(res.text).toMatch(/id="contact-error">Give one e-mail address/);
    expect(res.text).toContain(ESCAPED);
    expect(res.text).not.toContain(XSS);
    const control = await fileReport({ component: 'bell \u0007 here' });
    expect(control.status).toBe(400);
    expect(control.text).toMatch(/id="component-error">Control characters/);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses an oversized report with 413, whether one file or several add up, and stores nothing', async () => {
    const before = await snapshot();
    const one = await fileReport({}, [{ name: 'huge.bin', bytes: Buffer.alloc(MAX_BYTES + 1, 1) }]);
    expect(one.status).toBe(413);
    expect(one.text).toMatch(/id="attachments-error">The report and its attachments may be at most 0.1 MiB together/);
    expect(one.text).toContain('A heap overflow in the frob parser.');

    const several = await fileReport(
      {},
      [1, 2, 3].map((n) => ({ name: `part${n}.bin`, bytes: Buffer.alloc(MAX_BYTES / 2, n) })),
    );
    expect(several.status).toBe(413);

    // Under the limit as files, over it with the report's text: the domain refuses it the same way.
    const justOver = await fileReport({ description: 'x'.repeat(2000) }, [
      { name: 'almost.bin', bytes: Buffer.alloc(MAX_BYTES - 1000, 1) },
    ]);
    expect(justOver.status).toBe(413);
    expect(justOver.text).toMatch(/id="attachments-error">[^<]*at most/);

    const many = await fileReport(
      {},
      Array.from({ length: 11 }, (_, n) => ({ name: `f${n}.txt`, bytes: Buffer.from('x') })),
    );
    expect(many.status).toBe(400);
    expect(many.text).toMatch(/id="attachments-error">Attach at most 10 files/);
    const stray = await fileReport({}, [{ field: 'evil', name: 'x.txt', bytes: Buffer.from('x') }]);
    expect(stray.status).toBe(400);
    expect(stray.text).toContain('a file field this page does not send');
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a form without its CSRF token, storing nothing', async () => {
    const before = await snapshot();
    const res = await fileReport({}, [], false);
    expect(res.status).toBe(403);
    expect(await snapshot()).toEqual(before);
  });
});
