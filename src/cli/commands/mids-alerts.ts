/**
 * `konduit mids alerts [list|set|remove]`: the MID alert rules (docs/metrics.md, "MID health") that
 * `konduit report mids --alerts` checks and the dashboard's MID tiles mark.
 */
import { InvalidInputError, UsageError } from '../../core/errors.js';
import { checkAlertRule, midAlertRuleJson, percentToPpm } from '../../report/mid-alerts.js';
import { parseFlags } from '../args.js';
import { openStore } from './connections-store.js';

export const help = `Usage: konduit mids alerts [list] [--connection NAME] [--format table|json]
       konduit mids alerts set --connection NAME --mid ID|* --threshold PERCENT [--metric visa|mastercard|any|total] [--min-count N]
       konduit mids alerts remove --connection NAME --mid ID|*

A MID alert rule fires for a month when the MID's ratio reaches the threshold with at least --min-count
chargebacks (default 0). --metric says which ratio: visa (VAMP: Visa disputes / the month's Visa
sales), mastercard (chargebacks / the previous month's Mastercard sales), any (either; the default) or
total (every network together, for cards the CRM names no network for). --mid * is the connection's
default for its MIDs without a rule of their own. Setting a rule for a MID again replaces it.

Rules fire in \`konduit report mids --alerts\` (exit 1 when one does, for cron) and mark the dashboard's
MID tiles. The month of the last sync is projected to its end and can fire on the projection.

Options:
  --connection NAME     the connection the MID is of
  --mid ID              the MID's merchantId, or * for every MID of the connection
  --threshold PERCENT   a percentage, e.g. 0.9 for 0.9% (up to 4 decimals)
  --metric M            visa, mastercard, any or total (default any)
  --min-count N         fewest chargebacks (disputes for visa) in the month (default 0)
  --format F            table or json (list; default table)
  --db PATH|URL         the store (default: KONDUIT_DB or ~/.konduit/konduit.duckdb)

Exit codes: 0 done; 1 no such connection, or no rule to remove; 2 usage or environment: a flag or value
that is not valid (each said on one line, with a hint).

Examples:
  konduit mids alerts set --connection shop --mid 3 --threshold 0.9 --metric visa --min-count 10
  konduit mids alerts set --connection shop --mid '*' --threshold 1.5 --metric total
  konduit mids alerts
  konduit mids alerts remove --connection shop --mid 3
`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    { db: { type: 'string' }, connection: { type: 'string' }, mid: { type: 'string' }, threshold: { type: 'string' }, metric: { type: 'string' }, 'min-count': { type: 'string' }, format: { type: 'string' } },
    true,
  );
  const [action = 'list', ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  if (!['list', 'set', 'remove'].includes(action)) throw new UsageError(`unknown action "${action}"`, 'Use list, set or remove (konduit mids alerts --help).');
  const format = values.format ?? 'table';
  if (format !== 'table' && format !== 'json') throw new UsageError(`--format "${format}" is not valid: expected table or json`);
  const flag = (f: string) => (f === 'minCount' ? '--min-count' : `--${f}`);
  // Flags are checked before the store is opened.
  let rule: ReturnType<typeof checkAlertRule> | null = null;
  if (action === 'set') {
    if (!values.connection) throw new UsageError('konduit mids alerts set needs --connection NAME');
    if (values.threshold === undefined) throw new UsageError('konduit mids alerts set needs --threshold PERCENT', 'e.g. --threshold 0.9 for 0.9%.');
    const minCount = values['min-count'] === undefined ? 0 : /^\d{1,9}$/.test(values['min-count']) ? Number(values['min-count']) : NaN;
    rule = checkAlertRule({ mid: values.mid, metric: values.metric, thresholdPpm: percentToPpm(values.threshold), minCount }, flag);
  } else if (action === 'remove') {
    if (!values.connection || !values.mid) throw new UsageError('konduit mids alerts remove needs --connection NAME and --mid ID');
  }
  const store = await openStore(values.db, { keyless: true });
  try {
    const connections = await store.listConnections();
    const conn = values.connection === undefined ? null : connections.find((c) => c.name === values.connection);
    if (conn === undefined) throw new InvalidInputError(`no connection named "${values.connection}"`, 'List them with: konduit connections');
    if (rule && conn) {
      await store.setMidAlertRule({ connectionId: conn.connectionId, ...rule });
      process.stdout.write(`Set: ${conn.name} MID ${rule.mid}: ${rule.metric} >= ${values.threshold?.replace(/%$/, '')}%${rule.minCount > 0 ? ` with ${rule.minCount}+ chargebacks` : ''}.\n`);
      return 0;
    }
    if (action === 'remove' && conn) {
      if (!(await store.removeMidAlertRule(conn.connectionId, (values.mid ?? '').trim()))) throw new InvalidInputError(`${conn.name} has no alert rule for MID ${values.mid}`, `List them with: konduit mids alerts --connection ${conn.name}`);
      process.stdout.write(`Removed the alert rule of ${conn.name} MID ${values.mid}.\n`);
      return 0;
    }
    const names = new Map(connections.map((c) => [c.connectionId, c.name]));
    const rules = (await store.midAlertRules(conn?.connectionId)).map((r) => midAlertRuleJson(r, names.get(r.connectionId) ?? r.connectionId));
    if (format === 'json') {
      process.stdout.write(`${JSON.stringify({ rules }, null, 2)}\n`);
      return 0;
    }
    if (rules.length === 0) {
      process.stdout.write('No MID alert rules. Set one with: konduit mids alerts set --help\n');
      return 0;
    }
    const rows = [['CONNECTION', 'MID', 'METRIC', 'THRESHOLD', 'MIN COUNT', 'SET'], ...rules.map((r) => [r.connection, r.mid, r.metric, `${(r.threshold * 100).toFixed(4).replace(/\.?0+$/, '')}%`, String(r.minCount), r.updatedAt.slice(0, 16).replace('T', ' ')])];
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
    process.stdout.write(`${rows.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n')}\n`);
    return 0;
  } finally {
    await store.close();
  }
}
