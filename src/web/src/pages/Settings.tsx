/**
 * Settings: the integrations list with "Connect with Konnektive" and "Connect with Checkout Champ" and
 * each connection's sync status as the store tells it (whoever synced it: this server, `konduit sync`,
 * `konduit demo`), the connect form, each integration's page (status, history range, Sync Data, live
 * progress, past runs, the connection's settings: API password, frequency, time zone, base currency,
 * and removal with a confirmation that says what goes) and the API tokens scripts use.
 */
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, type Connection, type SyncJob, type SyncRun, type SyncStatus } from '../api';
import { DataTable } from '../components/DataTable';
import { ZoneOptions } from '../components/ZoneOptions';
import { allZones, browserZone, count, duration, monthStart, plural, today, when } from '../format';
import { Link, navigate } from '../router';
import { useViewerZone } from '../zone';
import { ApiUserGuide } from './Guide';

const BRAND_LABEL: Record<string, string> = { konnektive: 'Konnektive', checkoutchamp: 'Checkout Champ' };
const FREQ_LABEL: Record<string, string> = { hourly: 'Every hour', '6h': 'Every 6 hours', '12h': 'Every 12 hours', daily: 'Once a day' };

/** Settings routes: home, connect form, integration page. */
export function SettingsPage(props: { path: string }) {
  const connect = /^\/settings\/connect\/(konnektive|checkoutchamp)$/.exec(props.path);
  if (connect?.[1]) return <ConnectForm brand={connect[1] as 'konnektive' | 'checkoutchamp'} />;
  const integ = /^\/settings\/integrations\/([^/]+)$/.exec(props.path);
  if (integ?.[1]) return <IntegrationPage name={decodeURIComponent(integ[1])} />;
  return <SettingsHome />;
}

function PageHead(props: { title: string; subtitle?: string; back?: { to: string; label: string } }) {
  return (
    <header className="page-head">
      {props.back ? (
        <Link to={props.back.to} className="back">
          ← {props.back.label}
        </Link>
      ) : null}
      <h1>{props.title}</h1>
      {props.subtitle ? <p className="muted">{props.subtitle}</p> : null}
    </header>
  );
}

/** A connection's state in a word, from the store's status (a sync of this page's own job counts too). */
function statusPill(status: SyncStatus | undefined, job?: SyncJob | null) {
  const s = job?.status === 'running' ? 'running' : (status?.state ?? 'never');
  const label: Record<SyncStatus['state'], [string, string]> = {
    running: ['pill-blue', status?.runningIn === 'elsewhere' ? 'Syncing in another process' : 'Syncing'],
    ok: ['pill-green', 'Synced'],
    failed: ['pill-red', 'Last sync failed'],
    cancelled: ['pill-amber', 'Last sync cancelled'],
    interrupted: ['pill-amber', 'Last sync stopped'],
    never: ['', 'Not synced yet'],
  };
  const [cls, text] = label[s];
  return (
    <span className={`pill ${cls}`} data-state={s}>
      {text}
    </span>
  );
}

/** One line on what a connection holds: its last sync (when, how many records), and the days its data covers. */
function statusLine(st: SyncStatus | undefined, zone: string): string {
  if (!st || st.state === 'never') return 'Nothing synced yet.';
  const parts: string[] = [];
  if (st.state === 'running') parts.push(`${plural(st.records, 'record')} stored so far`);
  else if (st.lastRun) parts.push(`Last sync ${when(st.lastRun.finishedAt ?? st.lastRun.startedAt, zone)}: ${plural(st.records, 'record')}`);
  if (st.state !== 'ok' && st.lastSuccessAt !== null) parts.push(`last successful sync ${when(st.lastSuccessAt, zone)}`);
  if (st.coverage) parts.push(`data from ${st.coverage.from} to ${st.coverage.to}`);
  return `${parts.join('; ')}.`;
}

function SettingsHome() {
  const zone = useViewerZone();
  const [conns, setConns] = useState<(Connection & { sync: SyncJob | null })[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<{ connections: (Connection & { sync: SyncJob | null })[] }>('GET', '/api/connections')
      .then((r) => setConns(r.connections))
      .catch((e: Error) => setError(e.message));
  }, []);
  return (
    <div className="page" data-page="settings" data-ready={conns !== null ? 'true' : undefined}>
      <PageHead title="Settings" subtitle="Connect your CRM, choose what to import and how often to sync." />
      {error ? <div className="alert alert-error">{error}</div> : null}
      <section className="card">
        <header className="card-head">
          <div>
            <h2>Integrations</h2>
            <p className="muted small">Konduit reads your CRM through an API user with query permissions only.</p>
          </div>
        </header>
        <div className="integrations">
          {(['konnektive', 'checkoutchamp'] as const).map((b) => (
            <div className="integration" key={b}>
              <div className={`integration-logo ${b}`}>{b === 'konnektive' ? 'Kn' : 'CC'}</div>
              <div className="grow">
                <div className="strong">{BRAND_LABEL[b]}</div>
                <div className="muted small">Orders, transactions, customers, subscriptions, campaigns, products</div>
              </div>
              <button type="button" className="btn btn-primary" onClick={() => navigate(`/settings/connect/${b}`)}>
                Connect with {BRAND_LABEL[b]}
              </button>
            </div>
          ))}
        </div>
      </section>
      <section className="card">
        <header className="card-head">
          <h2>Connected accounts</h2>
        </header>
        {conns === null ? (
          <p className="empty">Loading…</p>
        ) : conns.length === 0 ? (
          <p className="empty">Nothing connected yet. Connect your CRM above; no data is synced until you click “Sync Data” on its page.</p>
        ) : (
          <ul className="list">
            {conns.map((c) => (
              <li key={c.connectionId}>
                <Link to={`/settings/integrations/${encodeURIComponent(c.name)}`} className="list-link" testId={`integration-${c.name}`}>
                  <span className="grow">
                    <span className="strong">{c.accountName}</span>{' '}
                    <span className="muted small">
                      {BRAND_LABEL[c.brand]} · {c.name} · {FREQ_LABEL[c.frequency]}
                    </span>
                    <span className="muted small block" data-testid="status-line">
                      {c.credentials === 'undecryptable' ? 'The saved API password cannot be opened here: re-enter it or remove the connection. ' : ''}
                      {statusLine(c.status, zone)}
                    </span>
                  </span>
                  {statusPill(c.status, c.sync)}
                </Link>
              </li>
            ))}
          </ul>
        )}
      </section>
      <ApiTokens />
    </div>
  );
}

function ConnectForm(props: { brand: 'konnektive' | 'checkoutchamp' }) {
  const own = browserZone();
  const [f, setF] = useState({ loginId: '', password: '', accountName: '', accountUsername: '', timezone: own, baseUrl: '' });
  const [error, setError] = useState<{ message: string; hint?: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });
  const ampersand = f.password.includes('&');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const r = await api<{ connection: Connection }>('POST', '/api/connections', { brand: props.brand, ...f });
      navigate(`/settings/integrations/${encodeURIComponent(r.connection.name)}`);
    } catch (err) {
      setError(err instanceof ApiError ? { message: err.message, hint: err.hint } : { message: String(err) });
    } finally {
      setBusy(false);
    }
  };
  const label = BRAND_LABEL[props.brand] ?? props.brand;
  return (
    <div className="page" data-page="connect" data-ready="true">
      <PageHead title={`Connect with ${label}`} subtitle="Konduit tests the credentials with one query before saving them. The password is stored encrypted and never shown again." back={{ to: '/settings', label: 'Settings' }} />
      <div className="two-col">
        <form className="card form" onSubmit={submit} data-testid="connect-form">
          <label>
            API Username
            <input name="loginId" value={f.loginId} onChange={set('loginId')} placeholder="konduit_api" autoComplete="off" required />
          </label>
          <label>
            API Password
            <input name="password" type="password" value={f.password} onChange={set('password')} autoComplete="new-password" required />
            {ampersand ? <span className="field-error">The CRM cannot accept '&amp;' in an API password; set one without it.</span> : null}
          </label>
          <label>
            Account Name
            <input name="accountName" value={f.accountName} onChange={set('accountName')} placeholder="The name of your CRM account" required />
          </label>
          <label>
            Account Username
            <input name="accountUsername" value={f.accountUsername} onChange={set('accountUsername')} placeholder="The username you sign in to the CRM with" required />
          </label>
          <label>
            Account time zone
            <ZoneSelect name="timezone" value={f.timezone} onChange={(v) => setF({ ...f, timezone: v })} />
            <span className="muted small">The zone set in your CRM account’s settings: the CRM keeps its dates in it. This browser’s zone ({own}) is offered; change it if the account’s differs.</span>
          </label>
          <details className="advanced">
            <summary>Advanced</summary>
            <label>
              API base URL
              <input name="baseUrl" value={f.baseUrl} onChange={set('baseUrl')} placeholder={props.brand === 'konnektive' ? 'https://api.konnektive.com' : 'https://api.checkoutchamp.com'} />
              <span className="muted small">Leave empty for {label}'s API; set it for a sandbox.</span>
            </label>
          </details>
          {error ? (
            <div className="alert alert-error" role="alert" data-testid="connect-error">
              <div className="strong">{error.message}</div>
              {error.hint ? <div className="small">{error.hint}</div> : null}
            </div>
          ) : null}
          <div className="row gap">
            <button className="btn btn-primary" type="submit" disabled={busy}>
              {busy ? 'Testing the credentials…' : 'Connect'}
            </button>
            <Link to="/settings" className="btn btn-ghost">Cancel</Link>
          </div>
        </form>
        <ApiUserGuide brand={label} />
      </div>
    </div>
  );
}

function ProgressPanel(props: { job: SyncJob }) {
  const { job } = props;
  const p = job.progress;
  const frac = p.pagesPlanned > 0 ? Math.min(1, p.pages / p.pagesPlanned) : 0;
  const done = job.status !== 'running';
  const pctDone = done && job.status === 'ok' ? 100 : Math.round(frac * 100);
  return (
    <section className="card" data-testid="sync-progress" data-status={job.status}>
      <header className="card-head">
        <h2>{done ? (job.status === 'ok' ? 'Sync complete' : job.status === 'cancelled' ? 'Sync cancelled' : 'Sync failed') : 'Syncing…'}</h2>
        <span className="muted small">{job.mode === 'backfill' ? `History ${job.from} → ${job.to}` : 'New and changed records'}</span>
      </header>
      <div className={`progress ${done ? (job.status === 'ok' ? 'ok' : 'bad') : ''}`} role="progressbar" aria-valuenow={pctDone} aria-valuemin={0} aria-valuemax={100}>
        <div style={{ width: `${pctDone}%` }} />
      </div>
      <dl className="stats">
        <div>
          <dt>Records</dt>
          <dd data-testid="progress-records">{count(p.records)}</dd>
        </div>
        <div>
          <dt>Pages</dt>
          <dd data-testid="progress-pages">
            {count(p.pages)} / {count(p.pagesPlanned)}
          </dd>
        </div>
        <div>
          <dt>Speed</dt>
          <dd>{count(Math.round(p.recordsPerSec))}/s</dd>
        </div>
        <div>
          <dt>{done ? 'Took' : 'Time left'}</dt>
          <dd data-testid="progress-eta">{done ? duration(p.elapsedMs) : duration(p.etaMs)}</dd>
        </div>
      </dl>
      {job.error ? <div className="alert alert-error">{job.error}</div> : null}
    </section>
  );
}

function IntegrationPage(props: { name: string }) {
  const zone = useViewerZone();
  const [conn, setConn] = useState<Connection | null>(null);
  const [job, setJob] = useState<SyncJob | null>(null);
  const [runs, setRuns] = useState<SyncRun[]>([]);
  const [error, setError] = useState<{ message: string; hint?: string } | null>(null);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [frequency, setFrequency] = useState('daily');
  const [busy, setBusy] = useState(false);
  const path = `/api/connections/${encodeURIComponent(props.name)}`;

  const load = useCallback(async () => {
    const r = await api<{ connection: Connection; sync: SyncJob | null; runs: SyncRun[] }>('GET', path);
    setConn(r.connection);
    setJob(r.sync);
    setRuns(r.runs);
    const t = today(r.connection.timezone);
    setFrom((f) => f || r.connection.historyFrom || monthStart(t, 12));
    setTo((x) => x || r.connection.historyTo || t);
    setFrequency(r.connection.frequency);
  }, [path]);

  useEffect(() => {
    load().catch((e: Error) => setError({ message: e.message }));
  }, [load]);

  // Live progress: server-sent events while the page is open; the page reloads its status and runs when a sync ends.
  useEffect(() => {
    const es = new EventSource(`${path}/events`);
    let wasRunning = false;
    es.addEventListener('progress', (ev) => {
      const j = JSON.parse((ev as MessageEvent<string>).data) as SyncJob | null;
      if (!j) return;
      setJob(j);
      if (j.status === 'running') wasRunning = true;
      else if (wasRunning) {
        wasRunning = false;
        void load().catch(() => undefined);
      }
    });
    return () => es.close();
  }, [path, load]);

  const t = conn ? today(conn.timezone) : '';
  const presets = t ? [3, 6, 12, 24].map((m) => ({ label: `${m} months`, from: monthStart(t, m) })) : [];

  const syncData = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      await api('PATCH', path, { frequency, historyFrom: from, historyTo: to });
      const r = await api<{ sync: SyncJob }>('POST', `${path}/sync`, { from, to });
      setJob(r.sync);
    } catch (err) {
      setError(err instanceof ApiError ? { message: err.message, hint: err.hint } : { message: String(err) });
    } finally {
      setBusy(false);
    }
  };

  const saveFrequency = async (v: string) => {
    setFrequency(v);
    await api('PATCH', path, { frequency: v }).catch((e: Error) => setError({ message: e.message }));
  };

  if (!conn) {
    return (
      <div className="page" data-page="integration">
        <PageHead title={props.name} back={{ to: '/settings', label: 'Settings' }} />
        {error ? <div className="alert alert-error">{error.message}</div> : <p className="empty">Loading…</p>}
      </div>
    );
  }
  const st = conn.status;
  const running = job?.status === 'running' || st?.state === 'running';
  const locked = conn.credentials === 'undecryptable';
  return (
    <div className="page" data-page="integration" data-ready="true">
      <PageHead title={conn.accountName} subtitle={`${BRAND_LABEL[conn.brand]} · API user ${conn.loginId} · account time zone ${conn.timezone}`} back={{ to: '/settings', label: 'Settings' }} />
      <div className="row gap wrap" data-testid="connection-status">
        {statusPill(st, job)}
        <span className="muted small" data-testid="status-line">
          {statusLine(st, zone)}
        </span>
      </div>
      {st?.runningIn === 'elsewhere' ? (
        <div className="alert alert-info" role="status" data-testid="running-elsewhere">
          Another Konduit process (such as <code>konduit sync</code>) is syncing this connection: {plural(st.records, 'record')} stored so far. Its progress shows here when it ends; this page cannot stop it.
        </div>
      ) : null}
      {conn.warning ? <div className="alert alert-error" data-testid="insecure-base-url">{conn.warning}</div> : null}
      {locked ? (
        <>
          <div className="alert alert-error" role="alert" data-testid="undecryptable">
            <div className="strong">This server cannot open the saved API password of {conn.accountName}.</div>
            <div className="small">
              It was saved with another secret key (another KONDUIT_HOME, or another KONDUIT_SECRET), so nothing can be synced. Two ways out: re-enter the API password below, or remove the connection.
            </div>
          </div>
          <PasswordForm path={path} onSaved={load} />
          <RemoveCard conn={conn} path={path} disabled={false} />
        </>
      ) : (
        <>
          {conn.quarantined ? (
            <div className="alert" data-testid="quarantine">
              <strong>{plural(conn.quarantined, 'record')} from the CRM could not be read</strong> and {conn.quarantined === 1 ? 'is' : 'are'} left out of every report. Each sync tries again.
              <ul className="small">
                {(conn.quarantineReasons ?? []).map((q) => (
                  <li key={`${q.stream}:${q.record}`}>{q.reason}</li>
                ))}
              </ul>
            </div>
          ) : null}
          {conn.attribution && (conn.attribution.withoutProduct > 0 || conn.attribution.rebillsWithoutPurchase > 0) ? (
            <div className="alert" data-testid="unattributed">
              {conn.attribution.withoutProduct > 0 ? `${count(conn.attribution.withoutProduct)} of ${plural(conn.attribution.sales, 'sale')} ${conn.attribution.withoutProduct === 1 ? 'has' : 'have'} no product yet (their orders are not synced). ` : ''}
              {conn.attribution.rebillsWithoutPurchase > 0 ? `${plural(conn.attribution.rebillsWithoutPurchase, 'rebill')} ${conn.attribution.rebillsWithoutPurchase === 1 ? 'has' : 'have'} no subscription yet (their purchases are not synced).` : ''}
            </div>
          ) : null}
          <form className="card form" onSubmit={syncData} data-testid="sync-form">
            <header className="card-head">
              <div>
                <h2>Import and sync</h2>
                <p className="muted small">Pick the history to import now, and how often to fetch new and changed records afterwards. Nothing is synced until you click “Sync Data”.</p>
              </div>
            </header>
            <div className="grid-2">
              <fieldset>
                <legend>History to import</legend>
                <div className="row gap wrap">
                  {presets.map((p) => (
                    <button key={p.label} type="button" className={`chip ${from === p.from && to === t ? 'chip-on' : ''}`} onClick={() => (setFrom(p.from), setTo(t))}>
                      {p.label}
                    </button>
                  ))}
                </div>
                <div className="row gap">
                  <label>
                    From
                    <input type="date" name="from" value={from} max={to} onChange={(e) => setFrom(e.target.value)} required />
                  </label>
                  <label>
                    To
                    <input type="date" name="to" value={to} min={from} onChange={(e) => setTo(e.target.value)} required />
                  </label>
                </div>
                <span className="muted small">Dates are in the account's time zone ({conn.timezone}), as the CRM keeps them.</span>
              </fieldset>
              <fieldset>
                <legend>Sync frequency</legend>
                <FrequencySelect value={frequency} onChange={(v) => void saveFrequency(v)} />
                <span className="muted small">While the server runs, Konduit fetches new and changed records (refunds and chargebacks touch old orders) at this interval.</span>
              </fieldset>
            </div>
            {error ? (
              <div className="alert alert-error" role="alert">
                <div className="strong">{error.message}</div>
                {error.hint ? <div className="small">{error.hint}</div> : null}
              </div>
            ) : null}
            <div className="row gap wrap">
              <button className="btn btn-primary" type="submit" disabled={busy || running} data-testid="sync-data">
                Sync Data
              </button>
              <button type="button" className="btn btn-ghost" disabled={busy || running} onClick={() => void api<{ sync: SyncJob }>('POST', `${path}/sync`, {}).then((r) => setJob(r.sync)).catch((e: Error) => setError({ message: e.message }))}>
                Fetch new records now
              </button>
              {running ? (
                <button type="button" className="btn btn-ghost" onClick={() => void api('POST', `${path}/sync/cancel`, {}).catch(() => undefined)}>
                  Cancel
                </button>
              ) : null}
              <span className="muted small">Large histories take a while; you can leave this page, the sync goes on.</span>
            </div>
          </form>
          {job ? <ProgressPanel job={job} /> : null}
          <DataTable
            id="sync-runs"
            title="Sync history"
            subtitle={`Times in ${zone}`}
            filename={`konduit-sync-runs-${conn.name}.csv`}
            empty="No syncs yet."
            columns={[{ label: 'Started' }, { label: 'Kind' }, { label: 'Status' }, { label: 'Records', numeric: true }, { label: 'Pages', numeric: true }, { label: 'Retries', numeric: true }, { label: 'Took', numeric: true }, { label: 'Error' }]}
            rows={runs.map((r) => [
              { view: when(r.startedAt, zone), csv: r.startedAt === null ? '' : new Date(r.startedAt).toISOString() },
              { view: r.mode === 'backfill' ? `History ${r.scope.replace(/^backfill:/, '').replace('..', ' → ')}` : 'New and changed records', csv: r.scope },
              { view: <span className={`pill ${r.status === 'ok' ? 'pill-green' : r.status === 'failed' ? 'pill-red' : r.status === 'running' ? 'pill-blue' : 'pill-amber'}`}>{r.status}</span>, csv: r.status },
              { view: count(r.records), csv: String(r.records) },
              { view: count(r.pages), csv: String(r.pages) },
              { view: count(r.retries), csv: String(r.retries) },
              { view: r.finishedAt && r.startedAt ? duration(r.finishedAt - r.startedAt) : '–', csv: r.finishedAt && r.startedAt ? String(r.finishedAt - r.startedAt) : '' },
              { view: r.error ?? '', csv: r.error ?? '', className: r.error ? 'error-text' : '' },
            ])}
          />
          <ConnectionSettings conn={conn} path={path} onSaved={load} />
          <div className="two-col">
            <ApiUserGuide brand={BRAND_LABEL[conn.brand] ?? conn.brand} />
            <RemoveCard conn={conn} path={path} disabled={running} />
          </div>
        </>
      )}
    </div>
  );
}

/** The zones, this browser's first. */
function ZoneSelect(props: { name: string; value: string; onChange: (zone: string) => void; label?: string }) {
  const own = browserZone();
  const zones = [own, ...allZones().filter((z) => z !== own)];
  return (
    <select name={props.name} value={props.value} onChange={(e) => props.onChange(e.target.value)} aria-label={props.label}>
      <ZoneOptions zones={zones} />
    </select>
  );
}

function FrequencySelect(props: { value: string; onChange: (v: string) => void }) {
  return (
    <select name="frequency" aria-label="Sync frequency" value={props.value} onChange={(e) => props.onChange(e.target.value)}>
      {Object.entries(FREQ_LABEL).map(([k, v]) => (
        <option key={k} value={k}>
          {v}
        </option>
      ))}
    </select>
  );
}

/** An error answer as the forms show it: the message, and the hint when there is one. */
function ErrorBox(props: { error: { message: string; hint?: string } | null; testId?: string }) {
  if (!props.error) return null;
  return (
    <div className="alert alert-error" role="alert" data-testid={props.testId}>
      <div className="strong">{props.error.message}</div>
      {props.error.hint ? <div className="small">{props.error.hint}</div> : null}
    </div>
  );
}

const asError = (err: unknown) => (err instanceof ApiError ? { message: err.message, hint: err.hint } : { message: String(err) });

/** Re-enter the CRM API password: the server tests it with the CRM before it replaces the saved one. */
function PasswordForm(props: { path: string; onSaved: () => Promise<void> }) {
  const [password, setPassword] = useState('');
  const [error, setError] = useState<{ message: string; hint?: string } | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setSaved(false);
    setBusy(true);
    try {
      await api('PATCH', props.path, { password });
      setPassword('');
      setSaved(true);
      await props.onSaved();
    } catch (err) {
      setError(asError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card form" onSubmit={submit} data-testid="password-form">
      <h2>Re-enter the API password</h2>
      <label>
        API Password
        <input name="password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        {password.includes('&') ? <span className="field-error">The CRM cannot accept '&amp;' in an API password; set one without it.</span> : null}
      </label>
      <ErrorBox error={error} testId="password-error" />
      {saved ? (
        <p className="small" role="status" data-testid="password-saved">
          Saved: the CRM accepted the new password.
        </p>
      ) : null}
      <div className="row gap">
        <button className="btn btn-primary" type="submit" disabled={busy || password === ''}>
          {busy ? 'Testing the password…' : 'Save the password'}
        </button>
      </div>
    </form>
  );
}

/** The connection's settings: the API password, the account's time zone and its base currency. */
function ConnectionSettings(props: { conn: Connection; path: string; onSaved: () => Promise<void> }) {
  const { conn } = props;
  const [timeZone, setTimeZone] = useState(conn.timezone);
  const [baseCurrency, setBaseCurrency] = useState(conn.baseCurrency ?? 'USD');
  const [error, setError] = useState<{ message: string; hint?: string } | null>(null);
  const [saved, setSaved] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setSaved(false);
    try {
      await api('PATCH', props.path, { timeZone, baseCurrency: baseCurrency.trim().toUpperCase() });
      setSaved(true);
      await props.onSaved();
    } catch (err) {
      setError(asError(err));
    }
  };
  return (
    <div className="two-col">
      <form className="card form" onSubmit={submit} data-testid="account-form">
        <h2>Account</h2>
        <label>
          Account time zone
          <ZoneSelect name="timeZone" value={timeZone} onChange={setTimeZone} />
          <span className="muted small">The zone set in the CRM account’s settings. The CRM’s dates are read in it; the next sync reads them so.</span>
        </label>
        <label>
          Base currency
          <input name="baseCurrency" value={baseCurrency} onChange={(e) => setBaseCurrency(e.target.value)} maxLength={3} size={5} pattern="[A-Za-z]{3}" title="An ISO 4217 code, e.g. USD, CAD or MXN" required />
          <span className="muted small">Amounts the CRM sends without a currency are in it; reports default to it.</span>
        </label>
        <ErrorBox error={error} testId="account-error" />
        {saved ? (
          <p className="small" role="status" data-testid="account-saved">
            Saved.
          </p>
        ) : null}
        <div className="row gap">
          <button className="btn btn-primary" type="submit" disabled={timeZone === conn.timezone && baseCurrency.trim().toUpperCase() === (conn.baseCurrency ?? 'USD')}>
            Save
          </button>
        </div>
      </form>
      <PasswordForm path={props.path} onSaved={props.onSaved} />
    </div>
  );
}

/** Removal, behind a dialog that says what goes: the saved login, every record synced, the sync history. */
function RemoveCard(props: { conn: Connection; path: string; disabled: boolean }) {
  const { conn } = props;
  const dialog = useRef<HTMLDialogElement>(null);
  const [error, setError] = useState<{ message: string; hint?: string } | null>(null);
  const st = conn.status;
  const remove = async () => {
    setError(null);
    try {
      await api('DELETE', props.path);
      dialog.current?.close();
      navigate('/settings');
    } catch (err) {
      setError(asError(err));
    }
  };
  return (
    <section className="card" data-testid="remove-card" aria-labelledby="remove-title">
      <h2 id="remove-title">Remove this connection</h2>
      <p className="muted small">Deletes the saved API login and every record synced from this account. The CRM is not touched.</p>
      <button type="button" className="btn btn-danger" onClick={() => dialog.current?.showModal()} disabled={props.disabled}>
        Remove {conn.name}
      </button>
      {props.disabled ? <p className="muted small">A sync is running: cancel it or let it end first.</p> : null}
      <dialog ref={dialog} className="dialog" aria-labelledby="remove-dialog-title" data-testid="remove-dialog">
        <h2 id="remove-dialog-title">Remove {conn.accountName}?</h2>
        <p>This deletes, from this Konduit store:</p>
        <ul data-testid="remove-what">
          <li>the saved API login of {conn.loginId} (its password included);</li>
          <li>
            every record synced from the account
            {st?.coverage ? ` (its data from ${st.coverage.from} to ${st.coverage.to}` : ''}
            {st?.coverage && st.lastRun ? `; the last sync stored ${plural(st.records, 'record')})` : st?.coverage ? ')' : ''}, so the reports lose its figures;
          </li>
          <li>its sync history and settings.</li>
        </ul>
        <p className="small">The CRM itself is not touched. To see its figures again you connect it and import its history again.</p>
        <ErrorBox error={error} testId="remove-error" />
        <form method="dialog" className="row gap wrap">
          <button type="button" className="btn btn-danger" data-testid="remove-confirm" onClick={() => void remove()}>
            Remove {conn.name} and its data
          </button>
          <button type="submit" className="btn btn-ghost" autoFocus>
            Keep it
          </button>
        </form>
      </dialog>
    </section>
  );
}

function ApiTokens() {
  const zone = useViewerZone();
  const [tokens, setTokens] = useState<{ id: string; name: string; createdAt: number; lastUsedAt: number | null }[]>([]);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<string | null>(null);
  const load = () => void api<{ tokens: typeof tokens }>('GET', '/api/tokens').then((r) => setTokens(r.tokens)).catch(() => undefined);
  useEffect(load, []);
  const create = async (e: FormEvent) => {
    e.preventDefault();
    const r = await api<{ token: string }>('POST', '/api/tokens', { name: name || 'script' });
    setCreated(r.token);
    setName('');
    load();
  };
  return (
    <section className="card">
      <header className="card-head">
        <div>
          <h2>API tokens</h2>
          <p className="muted small">
            For scripts: send <code>Authorization: Bearer &lt;token&gt;</code> to the same API the dashboard uses (docs/api.md).
          </p>
        </div>
      </header>
      <form className="row gap wrap" onSubmit={create}>
        <input aria-label="Token name" placeholder="Token name, e.g. nightly-export" value={name} onChange={(e) => setName(e.target.value)} />
        <button className="btn btn-ghost" type="submit">
          Create token
        </button>
      </form>
      {created ? (
        <div className="alert alert-info">
          Copy it now; it is not shown again: <code className="token">{created}</code>
        </div>
      ) : null}
      {tokens.length > 0 ? (
        <ul className="list">
          {tokens.map((t) => (
            <li key={t.id} className="row gap between">
              <span>
                <span className="strong">{t.name}</span> <span className="muted small">created {when(t.createdAt, zone)} · last used {when(t.lastUsedAt, zone)}</span>
              </span>
              <button type="button" className="btn btn-ghost btn-sm" onClick={() => void api('DELETE', `/api/tokens/${t.id}`).then(load)}>
                Revoke
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
