/**
 * Findings 1 and 2 of the hardening review: card and bank numbers hidden in free text (glued to letters,
 * dot, dash and Unicode-space separators, full-width and other Unicode digits, runs of more than 19
 * digits) go through every output path — `import validate` text and JSON, `import build`, the server
 * log, stored sync errors and the raw copies of CRM records on both engines — and none prints one.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrmClient } from '../src/crm/client.js';
import { transactionsCsv, validTransaction } from '../src/importfile/testkit/test-rows.js';
import { startServer } from '../src/server/index.js';
import { openDuckDbStore } from '../src/store/engines/duckdb/duckdb-store.js';
import { generateKey } from '../src/store/secrets.js';
import { runSync } from '../src/sync/run.js';
import { cardCorpus, shownNumbers, type CorpusItem } from './card-corpus.js';
import { runCli } from './cli.js';
import { EMPTY, pageOf, startHostileCrm } from './hostile-crm.js';
import { openTestStore } from './stores.js';

const CORPUS = cardCorpus(0xc0ffee, 240);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'konduit-masking-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

/** The corpus items whose numbers `output` shows, with what it printed. */
function leaks(items: CorpusItem[], output: string): string[] {
  return items.flatMap((c) => shownNumbers(output, c.numbers).map((n) => `${n} from ${JSON.stringify(c.text)}`));
}

function chunks<T>(xs: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(xs.length / size) }, (_, i) => xs.slice(i * size, (i + 1) * size));
}

describe('import validate and import build print no number in clear', () => {
  it('text and JSON output of files with the corpus in cells and file names', async () => {
    const found: string[] = [];
    // Three items a file: the text output shows three examples per issue code.
    for (const [i, items] of chunks(CORPUS, 3).entries()) {
      const rows = items.map((c, k) => validTransaction({ merchantTxnId: `T${k}`, orderId: `O${k}`, campaignId: c.text, address1: [...c.text].slice(0, 60).join('') }));
      const name = join(dir, `export-${i}-${(items[0]?.numbers[0] ?? '').slice(0, 16)}.csv`);
      await writeFile(name, transactionsCsv(rows));
      for (const format of ['text', 'json']) {
        const r = await runCli(['import', 'validate', '--transactions', name, '--format', format, '--max-issues', '1000']);
        expect(r.code).toBe(1);
        expect(r.out).toContain(format === 'json' ? '"not_integer"' : 'not_integer');
        found.push(...leaks(items, r.all), ...leaks([{ text: name, numbers: [(items[0]?.numbers[0] ?? '').slice(0, 16)] }], r.all));
      }
    }
    expect(found).toEqual([]);
  });

  it('import build issues quoting unmapped values', async () => {
    const source = ['Customer,Order,Plan', ...CORPUS.map((c, i) => `C${i},O${i},"${c.text.replace(/"/g, '""')}"`)].join('\n');
    await writeFile(join(dir, 'legacy.csv'), source);
    await writeFile(join(dir, 'mapping.yaml'), 'version: 1\ntransactions:\n  columns:\n    customerId: Customer\n    orderId: Order\n  lookups:\n    - by: Plan\n      values:\n        Gold: { campaignId: "1" }\n');
    const r = await runCli(['import', 'build', '--mapping', join(dir, 'mapping.yaml'), '--out', join(dir, 'built'), join(dir, 'legacy.csv')]);
    expect(r.all).toContain('lookup_missing');
    expect(leaks(CORPUS, r.all)).toEqual([]);
  });
});

describe('the server log', () => {
  it('masks numbers in logged request paths and error messages', async () => {
    const store = await openDuckDbStore(join(dir, 'log.duckdb'), { secretKey: generateKey() });
    await store.migrate();
    const srv = await startServer({ store, statePath: null, locksDir: join(dir, 'locks'), port: 0, adminPassword: 'admin-password-123', webRoot: null, schedule: false });
    const logged: string[] = [];
    const original = console.error;
    try {
      const res = await fetch(`${srv.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: srv.url }, body: JSON.stringify({ username: 'admin', password: 'admin-password-123' }) });
      const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      // A store that fails: every connection lookup is an internal error, logged with its path.
      await store.close();
      console.error = (...args: unknown[]) => void logged.push(args.map(String).join(' '));
      for (const c of CORPUS) {
        const r = await fetch(`${srv.url}/api/connections/${encodeURIComponent(c.text)}/runs`, { headers: { cookie } });
        expect(r.status).toBe(500);
        expect(await r.text()).not.toMatch(/\d{13}/);
      }
    } finally {
      console.error = original;
      await srv.close();
    }
    expect(logged.length).toBe(CORPUS.length);
    expect(logged.flatMap((line, i) => leaks([CORPUS[i] as CorpusItem], line))).toEqual([]);
    // One line per error: a CR or LF in a path cannot start a forged one.
    for (const line of logged) expect(line).not.toMatch(/[\r\n\u001b]/);
  });
});

describe('stored sync errors and raw copies', () => {
  for (const engine of ['duckdb', 'postgres'] as const) {
    it(`${engine}: raw copies and typed columns of CRM records, and the CRM's error texts`, async () => {
      const { store, dispose } = await openTestStore(engine, 'masking');
      const batches = chunks(CORPUS, 10);
      let failures = 0;
      const crm = await startHostileCrm((req, form) => {
        const page = Number(form.get('page') ?? '1');
        if (req.path.startsWith('/customer/query')) {
          const records = CORPUS.map((c, i) => ({
            customerId: i + 1,
            dateCreated: '2026-03-01 10:00:00',
            firstName: [...c.text].slice(0, 40).join(''),
            emailAddress: `x${i}@example.com`,
            notes: [{ note: c.text }],
            customFields: { [`cf ${c.text}`]: c.text, cardOnFile: Number(c.numbers[0]?.slice(0, 16)) },
          }));
          return { body: pageOf(records, page) };
        }
        if (req.path.startsWith('/transactions/query')) {
          // The CRM's error texts: ten corpus items in each, one sync run each.
          return { body: { result: 'ERROR', message: batches[failures++]?.map((c) => c.text).join(' | ') ?? 'Internal error' } };
        }
        return { body: EMPTY };
      });
      try {
        const conn = await store.saveConnection({ name: 'hostile', brand: 'konnektive', baseUrl: crm.baseUrl, loginId: 'api', password: 'pw-secret-1', accountName: 'A', accountUsername: 'U', timezone: 'America/New_York', frequency: 'daily' });
        const client = new CrmClient({ baseUrl: crm.baseUrl, loginId: 'api', password: 'pw-secret-1', requestsPerSecond: 0, maxAttempts: 1 });
        await runSync({ store, source: client, connectionId: conn.connectionId, timezone: 'America/New_York', mode: { kind: 'backfill', from: '2026-03-01', to: '2026-03-01' }, streams: ['customers'], today: '2026-03-02', concurrency: 4 });
        const customers = await store.readRows('customers', conn.connectionId);
        expect(customers.length).toBe(CORPUS.length);
        const found = customers.flatMap((row) => leaks([CORPUS[Number(row.customer_id) - 1] as CorpusItem], JSON.stringify(row)));
        expect(found).toEqual([]);
        // The raw copy keeps the record's shape: only the numbers are masked.
        const first = JSON.parse(String(customers[0]?.raw)) as { notes: { note: string }[]; customFields: Record<string, unknown> };
        expect(first.notes[0]?.note).toMatch(/\*{3,}/);

        for (let b = 0; b < batches.length; b++) {
          const day = '2026-03-01';
          await expect(runSync({ store, source: client, connectionId: conn.connectionId, timezone: 'America/New_York', mode: { kind: 'backfill', from: day, to: day }, streams: ['transactions'], today: '2026-12-31', concurrency: 4 })).rejects.toThrow(/rejected the request/);
        }
        const runs = (await store.readRows('sync_runs', conn.connectionId)).filter((r) => r.status === 'failed');
        expect(runs.length).toBe(batches.length);
        const errors = runs.map((r) => String(r.error)).join('\n');
        expect(leaks(CORPUS, errors)).toEqual([]);
      } finally {
        await crm.close();
        await dispose();
      }
    });
  }
});
