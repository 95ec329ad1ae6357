import type { Response } from 'express';

/**
 * A file of a vulnerability report, sent only as a download: whatever its name or stated type says,
 * it goes out as opaque bytes no browser renders nor sniffs (a proof of concept may well be hostile
 * HTML or script), and no cache keeps it (it is kept sealed at rest: README, "What it does", vulnerability reports).
 */
export function sendReportFile(res: Response, file: { filename: string; bytes: Buffer }): void {
  res.attachment(file.filename);
  res.setHeader('Content-Type', 'application/octet-stream');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Security-Policy', "sandbox; default-src 'none'");
  res.setHeader('Cache-Control', 'no-store');
  res.status(200).send(file.bytes);
}
