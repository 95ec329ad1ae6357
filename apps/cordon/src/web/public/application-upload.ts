import type { NextFunction, Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import { FieldErrors, KEY_MAX_BYTES } from './application-form';

/** Why a multipart application form was not read, for the form to show beside its fields. */
export interface UploadRefusal {
  status: 400 | 413;
  errors: FieldErrors;
}

const KEY_MAX_KB = KEY_MAX_BYTES / 1024;
/** The form has 17 fields; a few more leave room for browsers that add their own. */
const MAX_FIELDS = 30;

/**
 * Reads the application form (`multipart/form-data`, with the key pasted or as one file) with
 * one size limit, the schema's: a pasted key, an uploaded key and any other field may each be
 * KEY_MAX_BYTES. Whatever the parser refuses (too large, two files, too many fields, a broken
 * body) is not an error of ours: it is kept in `res.locals.uploadRefusal`, and the request goes
 * on through the CSRF check to the form, which shows the refusal with what was read so far.
 */
const INVITED_FORM = /^\/invited\/[^/]+$/;

export function applicationUpload(): RequestHandler {
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: {
      fieldSize: KEY_MAX_BYTES,
      fileSize: KEY_MAX_BYTES,
      files: 1,
      fields: MAX_FIELDS,
      parts: MAX_FIELDS + 1,
      fieldNameSize: 100,
    },
  }).single('keyFile');
  return (req: Request, res: Response, next: NextFunction) => {
    // The form itself, or the same form reached through an invitation link (`/apply/invited/<token>`).
    if (req.method !== 'POST' || !(req.path === '/' || INVITED_FORM.test(req.path))) return next();
    upload(req, res, (error?: unknown) => {
      if (error) res.locals.uploadRefusal = refusalOf(error);
      next();
    });
  };
}

function refusalOf(error: unknown): UploadRefusal {
  const code = error instanceof multer.MulterError ? error.code : undefined;
  const field = error instanceof multer.MulterError ? error.field : undefined;
  switch (code) {
    case 'LIMIT_FIELD_VALUE':
      return field === 'key'
        ? { status: 413, errors: { key: `The key must be at most ${KEY_MAX_KB} KB.` } }
        : { status: 413, errors: { form: `A field of the form is longer than ${KEY_MAX_KB} KB.` } };
    case 'LIMIT_FILE_SIZE':
      return { status: 413, errors: { key: `The key file must be at most ${KEY_MAX_KB} KB.` } };
    case 'LIMIT_FILE_COUNT':
    case 'LIMIT_UNEXPECTED_FILE':
      return { status: 400, errors: { key: 'Upload one key file, in the key file field, or paste the key.' } };
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
