/**
 * Test kit: a small CRM on 127.0.0.1 that answers the way a broken or hostile one does (echoes the
 * request, redirects elsewhere, sends huge bodies, records without ids, card numbers in notes). Each
 * test gives the answer per request; the server records what it received.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the hostile CRM saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  body: string;
  headers: IncomingMessage['headers'];
}

/** What the test answers: a status, headers and a body (a JSON value is serialised). */
export type Answer = { status?: number; headers?: Record<string, string>; body?: unknown; raw?: (res: ServerResponse) => void };

export interface HostileCrm {
  baseUrl: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

/** Starts the server; `answer` is called for every request with its path and form fields. */
export async function startHostileCrm(answer: (req: SeenRequest, form: URLSearchParams) => Answer | Promise<Answer>): Promise<HostileCrm> {
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: SeenRequest = { method: req.method ?? 'GET', path: req.url ?? '/', body: Buffer.concat(chunks).toString('utf8'), headers: req.headers };
      seen.push(r);
      void Promise.resolve(answer(r, new URLSearchParams(r.body))).then((a) => {
        if (a.raw) return a.raw(res);
        const body = typeof a.body === 'string' ? a.body : JSON.stringify(a.body ?? {});
        res.writeHead(a.status ?? 200, { 'content-type': 'application/json', ...a.headers });
        res.end(body);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The CRM's success envelope around page `page` (1-based, 200 a page) of `records`. */
export function pageOf(records: unknown[], page = 1): unknown {
  return { result: 'SUCCESS', message: { totalResults: records.length, resultsPerPage: 200, page, data: records.slice((page - 1) * 200, page * 200) } };
}

/** The CRM's answer to a query with nothing in it. */
export const EMPTY = { result: 'ERROR', message: 'No records matching those parameters could be found.' };
