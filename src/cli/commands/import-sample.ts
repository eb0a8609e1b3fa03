/** `konduit import sample`: a sample of whole customers for the trial import, and the rest. */
import { basename } from 'node:path';
import { EXIT_OK, UsageError } from '../../core/errors.js';
import { assertDistinctPaths, filesIn } from '../../core/paths.js';
import { splitSample, type FileSet, type SampleResult } from '../../importfile/transform/take-sample.js';
import { readHeader } from '../../importfile/read/table.js';
import { dateFlag, intFlag, parseFlags } from '../args.js';

export const help = `Usage: konduit import sample --size N [--seed S] --out-sample DIR --out-rest DIR FILES...
       konduit import sample ... --transactions FILE [--notes FILE] [--details FILE]

Picks N whole customers (all their transactions, notes and details) for the CRM team's sample import
(step 6 of the CRM's migration guide), covering what you must check in step 7: active subscriptions with next bill dates,
one-time buyers, refunds, chargebacks, CHECK payers and separate shipping addresses (billShipSame=0).
Everything else goes to the rest, to import after the sample passed. Every row lands in exactly one of
the two sets (checked); files keep their names. The choice is reproducible from --seed.

Options:
  --size N             customers in the sample (required)
  --seed S             any text; the same seed picks the same customers (default "konduit")
  --out-sample DIR     where the sample's files go (required)
  --out-rest DIR       where the rest goes (required)
  FILES                the import files; which is which is read from their headers
  --transactions FILE  or name them: the transactions file; --notes, --details optional
  --import-date DATE   the planned import date (default today): a file with an active subscription due
                       before it is refused until resolved (konduit import fix --past-next-bill-date)
  -h, --help           this help

Exit codes: 0 split; 1 an active subscription due before the import date, or one directory for both
sets; 2 usage, or a file that cannot be read or written.

Example:
  konduit import sample --size 50 --out-sample sample/ --out-rest rest/ transactions.csv customer-notes.csv
`;

/** One line per fact of a sample split (shared with konduit migrate). */
export function describeSample(r: SampleResult): string {
  const lines = [`sample: ${r.customers.sample} of ${r.customers.total} customers; rest: ${r.customers.rest}`];
  for (const f of r.files) lines.push(`  ${f.kind}: ${f.rows} rows = ${f.sample} in the sample + ${f.rest} in the rest`);
  lines.push(`  covered: ${Object.entries(r.selection.covered).map(([k, n]) => `${k} ${n}`).join(', ')}`);
  if (r.selection.uncovered.length > 0) lines.push(`  NOT covered (raise --size): ${r.selection.uncovered.join(', ')}`);
  if (r.selection.absent.length > 0) lines.push(`  not in the data at all: ${r.selection.absent.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

/** Which import file a header belongs to, by the columns only that file has. */
export function kindOf(index: ReadonlyMap<string, number>): 'transactions' | 'notes' | 'details' | null {
  if (index.has('merchantTxnId')) return 'transactions';
  if (index.has('noteText')) return 'notes';
  if (index.has('loginId') || index.has('custom1')) return 'details';
  return null;
}

/** Runs the command; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    size: { type: 'string' }, seed: { type: 'string' }, 'out-sample': { type: 'string' }, 'out-rest': { type: 'string' },
    transactions: { type: 'string' }, notes: { type: 'string' }, details: { type: 'string' }, 'import-date': { type: 'string' },
  }, true);
  for (const f of positionals) {
    const kind = kindOf((await readHeader(f)).index);
    if (!kind) throw new UsageError(`${f}: not an import file (no merchantTxnId, noteText or loginId/custom1 column)`);
    if (values[kind]) throw new UsageError(`two ${kind} files: ${values[kind]} and ${f}`);
    values[kind] = f;
  }
  if (!values.size) throw new UsageError('--size N is required', 'Run konduit import sample --help.');
  if (!values.transactions) throw new UsageError('--transactions FILE is required');
  if (!values['out-sample'] || !values['out-rest']) throw new UsageError('--out-sample DIR and --out-rest DIR are required');
  const files: FileSet = { transactions: values.transactions, ...(values.notes ? { notes: values.notes } : {}), ...(values.details ? { details: values.details } : {}) };
  // Both sets keep the input names: an input inside an output directory would be overwritten.
  const inputs = Object.entries(files).map(([kind, path]) => ({ role: `the ${kind} file`, path }));
  const names = inputs.map((i) => basename(i.path));
  await assertDistinctPaths(inputs, [...filesIn('--out-sample', values['out-sample'], names), ...filesIn('--out-rest', values['out-rest'], names)]);
  const importDate = dateFlag('import-date', values['import-date']);
  const r = await splitSample(files, { size: intFlag('size', values.size, 0, 1), seed: values.seed ?? 'konduit', sampleDir: values['out-sample'], restDir: values['out-rest'], ...(importDate ? { importDate } : {}) });
  process.stdout.write(describeSample(r));
  return EXIT_OK;
}
