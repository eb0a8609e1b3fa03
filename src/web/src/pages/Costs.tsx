/**
 * Costs (docs/economics.md): a connection's rate tables (product costs, processing, payouts) and its ad
 * spend, entered by pasting a range copied from a spreadsheet (tab-separated; a header row naming the
 * fields is optional), checked by the server as `konduit costs import` checks a file: a row it cannot
 * read is named (its row and field, highlighted here) and nothing is saved. A rate table is saved whole
 * (PUT); spend rows are added (POST), replacing stored rows of the same day, source, platform and
 * currency. Every change is kept with who made it (the Changes tab).
 */
import { useCallback, useEffect, useState } from 'react';
import { api, ApiError, type Connection } from '../api';
import { addDays, today } from '../format';
import { navigate, useLocation } from '../router';
import { useViewerZone } from '../zone';

const KINDS = [
  { id: 'products', label: 'Product costs', fields: ['product', 'campaign', 'currency', 'from', 'cost', 'fulfilment'], hint: 'product id, campaign id (empty: every campaign), currency, from (YYYY-MM-DD), cost, fulfilment' },
  { id: 'processing', label: 'Processing', fields: ['mid', 'currency', 'from', 'rate', 'fixed', 'chargeback', 'refund'], hint: 'MID id (*: every MID), currency, from, rate (%), fixed fee, chargeback fee, refund fee' },
  { id: 'payouts', label: 'Affiliate payouts', fields: ['affiliate', 'subaffiliate', 'cycle', 'currency', 'from', 'cpa'], hint: 'affiliate id, sub-affiliate (empty: every one), cycle, currency, from, CPA' },
  { id: 'spend', label: 'Ad spend', fields: ['day', 'source', 'spend', 'currency', 'platform'], hint: 'day, source as KIND:VALUE (affiliate:AFF101, subaffiliate:spring, campaign:3, utm:facebook), spend, currency, platform' },
] as const;
type KindId = (typeof KINDS)[number]['id'];
type Row = Record<string, string>;
type Issue = { row: number | null; column: string | null; message: string };

/** A pasted range as rows of `fields`: tab-separated (or comma-separated) lines; a first line of field names is a header. */
export function parseRange(text: string, fields: readonly string[]): Row[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) return [];
  const sep = lines[0]!.includes('\t') ? '\t' : ',';
  const cells = lines.map((l) => l.split(sep).map((c) => c.trim()));
  const norm = (h: string) => h.toLowerCase().replace(/[^a-z]/g, '');
  const head = cells[0]!.map(norm);
  const isHeader = head.some((h) => fields.map(norm).includes(h)) && head.every((h) => h === '' || fields.map(norm).includes(h) || h === 'fulfillment' || h === 'sourcekind');
  const columns = isHeader ? cells[0]!.map((h) => fields.find((f) => norm(f) === norm(h)) ?? h.toLowerCase()) : [...fields];
  return (isHeader ? cells.slice(1) : cells).map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i] ?? ''])));
}

export function CostsPage() {
  const zone = useViewerZone();
  const { search } = useLocation();
  const kind = (KINDS.find((k) => k.id === search.get('kind'))?.id ?? 'products') as KindId | 'log';
  const tab = search.get('kind') === 'log' ? 'log' : kind;
  const [connections, setConnections] = useState<Connection[] | null>(null);
  useEffect(() => {
    api<{ connections: Connection[] }>('GET', '/api/connections')
      .then((r) => setConnections(r.connections))
      .catch(() => setConnections([]));
  }, []);
  const conn = connections?.find((c) => c.name === search.get('connection')) ?? connections?.[0] ?? null;
  const go = (patch: Record<string, string>) => {
    const u = new URLSearchParams(search);
    for (const [k, v] of Object.entries(patch)) u.set(k, v);
    navigate(`/costs?${u.toString()}`, true);
  };
  return (
    <div className="page">
      <header className="page-head">
        <h1>Costs</h1>
        <p className="muted">What each sale costs and what each source of customers was paid: the margin and the economics reports subtract them. Paste a range copied from a spreadsheet.</p>
      </header>
      {connections && connections.length > 1 ? (
        <label className="row gap">
          <span className="muted small">Connection</span>
          <select name="connection" value={conn?.name ?? ''} onChange={(e) => go({ connection: e.target.value })}>
            {connections.map((c) => <option key={c.name} value={c.name}>{c.name}</option>)}
          </select>
        </label>
      ) : null}
      <div className="tabs" aria-label="Kind of cost">
        {[...KINDS.map((k) => ({ id: k.id as string, label: k.label })), { id: 'log', label: 'Changes' }].map((t) => (
          <button key={t.id} type="button" data-tab={t.id} aria-pressed={tab === t.id} className={tab === t.id ? 'on' : ''} onClick={() => go({ kind: t.id })}>{t.label}</button>
        ))}
      </div>
      {connections !== null && !conn ? <p className="empty">No connection yet: connect your CRM in Settings first.</p> : null}
      {conn ? (tab === 'log' ? <ChangeLog key={conn.name} conn={conn} /> : <CostTable key={`${conn.name}|${tab}`} conn={conn} kind={tab} zone={zone} />) : null}
    </div>
  );
}

function CostTable(props: { conn: Connection; kind: KindId; zone: string }) {
  const spec = KINDS.find((k) => k.id === props.kind)!;
  const isSpend = props.kind === 'spend';
  const [stored, setStored] = useState<Row[] | null>(null);
  const [rows, setRows] = useState<Row[]>([]);
  const [paste, setPaste] = useState('');
  const [issues, setIssues] = useState<Issue[]>([]);
  const [message, setMessage] = useState<{ text: string; ok: boolean } | null>(null);
  const [from, setFrom] = useState(() => addDays(today(props.zone), -89));
  const base = `/api/connections/${encodeURIComponent(props.conn.name)}`;
  const load = useCallback(async () => {
    const r = isSpend
      ? (await api<{ spend: Row[] }>('GET', `${base}/spend?from=${from}`)).spend
      : (await api<Record<string, Row[]>>('GET', `${base}/costs`))[props.kind] ?? [];
    setStored(r);
    setRows(isSpend ? [] : r);
  }, [base, from, isSpend, props.kind]);
  useEffect(() => {
    void load();
  }, [load]);
  const addPasted = () => {
    const parsed = parseRange(paste, spec.fields);
    setRows((r) => [...r, ...parsed]);
    setPaste('');
    setIssues([]);
    setMessage(null);
  };
  const save = async () => {
    setIssues([]);
    setMessage(null);
    try {
      const body = { rows: rows.map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== ''))) };
      const r = await api<{ changes: number }>(isSpend ? 'POST' : 'PUT', isSpend ? `${base}/spend` : `${base}/costs/${props.kind}`, body);
      setMessage({ ok: true, text: r.changes === 0 ? 'Nothing changed.' : `Saved: ${r.changes} change${r.changes === 1 ? '' : 's'} recorded.` });
      await load();
    } catch (e) {
      const err = e as ApiError;
      const list = (err.body as { error?: { issues?: Issue[] } } | undefined)?.error?.issues ?? [];
      setIssues(list);
      setMessage({ ok: false, text: list.length > 0 ? 'Nothing was saved: fix the rows marked below.' : err.message });
    }
  };
  const bad = new Map<number, Issue[]>();
  for (const i of issues) if (i.row !== null) bad.set(i.row, [...(bad.get(i.row) ?? []), i]);
  const columns = spec.fields;
  return (
    <div data-page="costs" data-kind={props.kind} data-ready={stored !== null ? 'true' : 'false'}>
      <section className="card">
        <header className="card-head">
          <div>
            <h2>{spec.label}</h2>
            <p className="muted small">Columns: {spec.hint}. {isSpend ? 'Rows are added; a row of the same day, source, platform and currency replaces the stored one.' : 'The table is saved whole: rows removed here are removed.'}</p>
          </div>
        </header>
        <label className="form">
          <span className="muted small">Paste a range (with or without its header row)</span>
          <textarea name="paste" rows={4} value={paste} onChange={(e) => setPaste(e.target.value)} placeholder={columns.join('\t')} />
        </label>
        <div className="row gap" style={{ marginTop: 8 }}>
          <button type="button" className="btn btn-ghost btn-sm" data-action="add" disabled={paste.trim() === ''} onClick={addPasted}>Add pasted rows</button>
          <button type="button" className="btn btn-primary btn-sm" data-action="save" disabled={isSpend && rows.length === 0} onClick={() => void save()}>{isSpend ? 'Save spend rows' : 'Save table'}</button>
          {message ? <span className={message.ok ? 'muted small' : 'error-text'} data-testid="costs-message">{message.text}</span> : null}
        </div>
        {issues.filter((i) => i.row === null).map((i, k) => <p key={k} className="error-text">{i.message}</p>)}
        <div className="table-wrap" tabIndex={0} role="region" aria-label={`${spec.label}: rows to save`}>
          <table data-table={`costs-${props.kind}`}>
            <thead>
              <tr><th>#</th>{columns.map((c) => <th key={c}>{c}</th>)}<th /></tr>
            </thead>
            <tbody>
              {rows.map((r, i) => (
                <tr key={i} className={bad.has(i + 1) ? 'row-bad' : ''} data-row={i + 1}>
                  <td>{i + 1}</td>
                  {columns.map((c) => {
                    const problem = bad.get(i + 1)?.find((x) => x.column === c);
                    return <td key={c} className={problem ? 'cell-bad' : ''} title={problem?.message}>{r[c] ?? ''}</td>;
                  })}
                  <td>
                    <button type="button" className="btn btn-ghost btn-sm" aria-label={`Remove row ${i + 1}`} onClick={() => setRows((x) => x.filter((_, k) => k !== i))}>×</button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {[...bad.values()].flat().map((i, k) => <p key={k} className="error-text small" data-issue-row={i.row ?? ''}>Row {i.row}{i.column ? `, ${i.column}` : ''}: {i.message}</p>)}
        </div>
      </section>
      {isSpend ? (
        <section className="card">
          <header className="card-head">
            <h2>Spend recorded</h2>
            <label className="row gap"><span className="muted small">From</span><input type="date" name="spend-from" value={from} onChange={(e) => setFrom(e.target.value)} /></label>
          </header>
          <div className="table-wrap" tabIndex={0} role="region" aria-label="Spend recorded">
            <table data-table="spend-stored">
              <thead><tr>{columns.map((c) => <th key={c}>{c}</th>)}</tr></thead>
              <tbody>{(stored ?? []).map((r, i) => <tr key={i}>{columns.map((c) => <td key={c}>{r[c] ?? ''}</td>)}</tr>)}</tbody>
            </table>
          </div>
        </section>
      ) : null}
    </div>
  );
}

function ChangeLog(props: { conn: Connection }) {
  const [changes, setChanges] = useState<{ changeId: number; at: string; actor: string; via: string; origin: string | null; kind: string; item: Record<string, unknown>; before: Record<string, unknown> | null; after: Record<string, unknown> | null }[] | null>(null);
  useEffect(() => {
    api<{ changes: NonNullable<typeof changes> }>('GET', `/api/connections/${encodeURIComponent(props.conn.name)}/costs/log?limit=200`)
      .then((r) => setChanges(r.changes))
      .catch(() => setChanges([]));
  }, [props.conn.name]);
  const show = (o: Record<string, unknown> | null) => (o === null ? '–' : Object.entries(o).map(([k, v]) => `${k} ${v === null ? '(any)' : String(v)}`).join(', '));
  return (
    <section className="card" data-page="costs" data-kind="log" data-ready={changes !== null ? 'true' : 'false'}>
      <div className="table-wrap" tabIndex={0} role="region" aria-label="Changes to the costs">
        <table data-table="costs-log">
          <thead><tr><th>When (UTC)</th><th>Who</th><th>Via</th><th>From</th><th>Kind</th><th>Item</th><th>Before</th><th>After</th></tr></thead>
          <tbody>
            {(changes ?? []).map((c) => (
              <tr key={c.changeId} data-change={c.changeId}>
                <td>{c.at.slice(0, 19).replace('T', ' ')}</td><td data-actor>{c.actor}</td><td>{c.via}</td><td>{c.origin ?? ''}</td><td>{c.kind}</td><td>{show(c.item)}</td><td>{show(c.before)}</td><td>{show(c.after)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
