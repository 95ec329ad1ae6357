import type { NextFunction, Request, RequestHandler, Response } from 'express';
import multer, { StorageEngine } from 'multer';
import { AttachmentInput, REPORT_MAX_ATTACHMENTS } from '@cordon/reports';
import { KEY_MAX_BYTES } from './application-form';
import { UploadRefusal } from './application-upload';

/** The field names of the files the report forms send. */
export const ATTACHMENTS_FIELD = 'attachments';
export const KEY_FILE_FIELD = 'keyFile';

/** The longest text field: a description of 20,000 characters, at up to 4 bytes each, or a pasted key. */
const FIELD_MAX_BYTES = Math.max(4 * 20_000, KEY_MAX_BYTES);
/** The report form has 13 fields; a few more leave room for browsers that add their own. */
const MAX_FIELDS = 30;

/** The forms under /report that carry files: the report itself, and a reply from the reporter's page. */
const UPLOADS: Record<string, multer.Field[]> = {
  '/': [
    { name: ATTACHMENTS_FIELD, maxCount: REPORT_MAX_ATTACHMENTS },
    { name: KEY_FILE_FIELD, maxCount: 1 },
  ],
  '/status/reply': [{ name: ATTACHMENTS_FIELD, maxCount: REPORT_MAX_ATTACHMENTS }],
};

class TooLarge extends Error {
  constructor(readonly field: string) {
    super('too large');
  }
}

/**
 * Files are kept in memory, since they are sealed before they are stored, and multer bounds each
 * file but not their sum: this engine counts every file of a request against one budget
 * (REPORT_MAX_BYTES), so ten files of the largest size are refused after the first that overruns
 * it, not held. A key file has its own, smaller limit.
 */
function countedMemoryStorage(maxBytes: number): StorageEngine {
  const used = new WeakMap<Request, number>();
  return {
    _handleFile(req, file, callback) {
      const limit = file.fieldname === KEY_FILE_FIELD ? KEY_MAX_BYTES : maxBytes;
      const chunks: Buffer[] = [];
      let size = 0;
      let refused = false;
      file.stream.on('data', (chunk: Buffer) => {
        if (refused) return;
        size += chunk.length;
        const total = (used.get(req) ?? 0) + chunk.length;
        used.set(req, total);
        if (size > limit || (file.fieldname !== KEY_FILE_FIELD && total > maxBytes)) {
          refused = true;
          file.stream.resume();
          callback(new TooLarge(file.fieldname));
          return;
        }
        chunks.push(chunk);
      });
      file.stream.on('error', (error) => {
        if (!refused) callback(error);
      });
      file.stream.on('end', () => {
        if (!refused) callback(null, { buffer: Buffer.concat(chunks), size });
      });
    },
    _removeFile(_req, file, callback) {
      (file as { buffer?: Buffer }).buffer = undefined;
      callback(null);
    },
  };
}

/**
 * Reads the multipart forms under /report (the report with its attachments and key file, a reply
 * with its attachments) before the CSRF check reads `_csrf`. Whatever the parser refuses (too
 * large, too many files, a broken body) is kept in `res.locals.uploadRefusal`, and the request
 * goes on to the form, which shows the refusal beside its fields (as application-upload.ts does).
 */
export function reportUpload(maxBytes: number): RequestHandler {
  const storage = countedMemoryStorage(maxBytes);
  const parsers = Object.fromEntries(
    Object.entries(UPLOADS).map(([path, fields]) => [
      path,
      multer({
        storage,
        limits: {
          fieldSize: FIELD_MAX_BYTES,
          fileSize: maxBytes,
          files: REPORT_MAX_ATTACHMENTS + 1,
          fields: MAX_FIELDS,
          parts: MAX_FIELDS + REPORT_MAX_ATTACHMENTS + 1,
          fieldNameSize: 100,
        },
      }).fields(fields),
    ]),
  );
  return (req: Request, res: Response, next: NextFunction) => {
    const parse = req.method === 'POST' ? parsers[req.path] : undefined;
    if (!parse) return next();
    parse(req, res, (error?: unknown) => {
      if (error) res.locals.uploadRefusal = refusalOf(error, maxBytes);
      next();
    });
  };
}

/** The files a request carried in one field, as the domain takes them. */
export function uploadedFiles(req: Request, field: string): AttachmentInput[] {
  const files = (req.files as Record<string, Express.Multer.File[]> | undefined)?.[field] ?? [];
  return files.map((file) => ({ filename: file.originalname, contentType: file.mimetype, bytes: file.buffer }));
}

function refusalOf(error: unknown, maxBytes: number): UploadRefusal {
  const total = `The report and its attachments may be at most ${mebibytes(maxBytes)} together. Leave out large files and offer them in your message instead.`;
  if (error instanceof TooLarge) {
    return error.field === KEY_FILE_FIELD
      ? { status: 413, errors: { reporterKey: `The key file must be at most ${KEY_MAX_BYTES / 1024} KB.` } }
      : { status: 413, errors: { attachments: total } };
  }
  const code = error instanceof multer.MulterError ? error.code : undefined;
  const field = error instanceof multer.MulterError ? error.field : undefined;
  switch (code) {
    case 'LIMIT_FILE_SIZE':
      return { status: 413, errors: { attachments: total } };
    case 'LIMIT_FIELD_VALUE':
      return field === 'reporterKey'
        ? { status: 413, errors: { reporterKey: `The key must be at most ${KEY_MAX_BYTES / 1024} KB.` } }
        : { status: 413, errors: { form: 'A field of the form is longer than this page takes.' } };
    case 'LIMIT_FILE_COUNT':
    case 'LIMIT_UNEXPECTED_FILE': // a field's maxCount passed, or a file in a field this form has not
      if (field === KEY_FILE_FIELD)
        return { status: 400, errors: { reporterKey: 'Upload one key file, or paste the key.' } };
      if (code === 'LIMIT_FILE_COUNT' || field === ATTACHMENTS_FIELD) {
        return { status: 400, errors: { attachments: `Attach at most ${REPORT_MAX_ATTACHMENTS} files.` } };
      }
      return {
        status: 400,
        errors: { form: 'The form has a file field this page does not send. Use the form below.' },
      };
    case 'LIMIT_FIELD_COUNT':
    case 'LIMIT_PART_COUNT':
      return { status: 400, errors: { form: 'The form has more fields than this page sends. Use the form below.' } };
    case 'LIMIT_FIELD_KEY':
    case 'MISSING_FIELD_NAME':
    case undefined: // busboy's own errors: a body cut off, a broken part header
    default:
      return {
        status: 400,
        errors: { form: 'The form could not be read. Fill it in again below and send it once more.' },
      };
  }
}

export function mebibytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return `${Number.isInteger(mib) ? mib : mib.toFixed(1)} MiB`;
}
