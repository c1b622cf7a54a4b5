/**
 * Response shapes. Handlers return a {@link Reply}; the server sends it and records its status.
 *
 * - OpenF1 errors raised as FastAPI `HTTPException`s are JSON `{"detail": "..."}`.
 * - Any other exception in the reference's query handler becomes `500` text/html
 *   `<h1>An error occurred</h1><pre>{traceback}</pre>` (`query_api/app.py`, `endpoint()`).
 * - Errors produced in front of the app (gateway) are short text/plain bodies.
 */
import type { ServerResponse } from 'node:http';
import type { OpenF1Exception } from './errors.js';

export type Reply =
  | {
      readonly status: number;
      readonly contentType: string;
      readonly body: string;
      readonly headers?: Readonly<Record<string, string>>;
    }
  | {
      readonly status: 200;
      /** Writes the body; the head (200, JSON) is already sent. */
      readonly stream: (res: ServerResponse) => Promise<void>;
    };

const JSON_TYPE = 'application/json';
const GATEWAY_TEXT: Readonly<Record<number, string>> = {
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'upstream request timeout',
};

export function jsonReply(status: number, value: unknown, headers?: Record<string, string>): Reply {
  return { status, contentType: JSON_TYPE, body: JSON.stringify(value), headers };
}

export function detailReply(status: number, detail: string, headers?: Record<string, string>): Reply {
  return jsonReply(status, { detail }, headers);
}

export function textReply(status: number, body: string): Reply {
  return { status, contentType: 'text/plain; charset=utf-8', body };
}

/** The reference's catch-all 500 page for an exception raised while handling the query. */
export function exceptionReply(error: OpenF1Exception): Reply {
  const trace = `Traceback (most recent call last):\n  (emulated)\n${error.exception}: ${error.message}\n`;
  return {
    status: 500,
    contentType: 'text/html; charset=utf-8',
    body: `<h1>An error occurred</h1><pre>${escapeHtml(trace)}</pre>`,
  };
}

/** A 5xx as answered by the infrastructure in front of the app (500 is the app's own page). */
export function serverErrorReply(status: number, exception: OpenF1Exception): Reply {
  const text = GATEWAY_TEXT[status];
  return text === undefined ? exceptionReply(exception) : textReply(status, text);
}

export function streamReply(stream: (res: ServerResponse) => Promise<void>): Reply {
  return { status: 200, stream };
}

export async function sendReply(res: ServerResponse, reply: Reply): Promise<void> {
  if ('stream' in reply) {
    res.writeHead(200, { 'content-type': JSON_TYPE });
    await reply.stream(res);
    return;
  }
  res.writeHead(reply.status, {
    'content-type': reply.contentType,
    'content-length': Buffer.byteLength(reply.body),
    ...reply.headers,
  });
  res.end(reply.body);
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
