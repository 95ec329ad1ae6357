import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DomainError, ErrorKind } from '@cordon/errors';
import { loggedPath } from './logged-path';
import { RequestRefused } from './request-refused';

const statusOf: Record<ErrorKind, number> = {
  invalid: 400,
  gone: 410,
  not_found: 404,
  conflict: 409,
  unauthenticated: 401,
  forbidden: 403,
  too_large: 413,
  unprocessable: 422,
};

/**
 * The web edge's translation of refusals (docs/architecture.md, "Errors and refusals"): DomainError and HttpException to a
 * status plus an HTML page, or an RFC 9457 problem document under /api. Anything else is a 500
 * that says nothing about its cause; the log gets the error's name and stack, never the request body.
 */
@Catch()
export class DomainErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    const { status, code, message } = this.describe(error);
    // The route's pattern, not the path: a path may carry a link's token (logged-path.ts).
    if (status >= 500) this.logger.error(`${req.method} ${loggedPath(req)} failed`, (error as Error)?.stack);
    if (res.headersSent) return;
    if (req.path.startsWith('/api')) {
      res
        .status(status)
        .type('application/problem+json')
        .json({
          type: `https://cordon.invalid/problems/${code}`,
          title: code,
          status,
          detail: message,
          code,
          // An extension member (RFC 9457 §3.2): which input the refusal is about, when known.
          ...(error instanceof DomainError && error.field ? { field: error.field } : {}),
          // What the refusal offers instead (NON_WORKING_DAY: `offered`), after the standard members.
          ...(error instanceof DomainError ? omitStandard(error.extensions) : {}),
        });
      return;
    }
    res
      .status(status)
      .render('error', { title: status === 404 ? 'Not found' : 'Something is wrong', status, message, code });
  }

  private describe(error: unknown): { status: number; code: string; message: string } {
    if (error instanceof DomainError) return { status: statusOf[error.kind], code: error.code, message: error.message };
    // Express-level refusals reach us wrapped by Nest's adapter, as an HttpException whose cause they are.
    const refused = error instanceof HttpException ? error.cause : error;
    if (refused instanceof RequestRefused)
      return { status: refused.status, code: refused.code, message: refused.message };
    if (error instanceof HttpException) {
      const status = error.getStatus();
      const body = error.getResponse();
      const detail =
        typeof body === 'object' && body && 'message' in body ? (body as { message: unknown }).message : error.message;
      const message = Array.isArray(detail) ? detail.join('; ') : String(detail);
      return { status, code: status === 429 ? 'TOO_MANY_REQUESTS' : `HTTP_${status}`, message };
    }
    const csrfCode = (error as { code?: string })?.code;
    if (csrfCode === 'CSRF_INVALID' || (error as { status?: number })?.status === 403) {
      return { status: 403, code: 'CSRF_INVALID', message: (error as Error).message };
    }
    const expressStatus = (error as { status?: number; expose?: boolean })?.status;
    if (expressStatus && expressStatus >= 400 && expressStatus < 500) {
      return { status: expressStatus, code: `HTTP_${expressStatus}`, message: 'The request could not be read.' };
    }
    return {
      status: 500,
      code: 'INTERNAL',
      message: 'Something went wrong on our side. Nothing was changed; try again later.',
    };
  }
}

/** Extension members never replace the problem's own (RFC 9457 §3.2). */
function omitStandard(extensions: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const standard = new Set(['type', 'title', 'status', 'detail', 'instance', 'code', 'field']);
  return Object.fromEntries(Object.entries(extensions ?? {}).filter(([name]) => !standard.has(name)));
}
