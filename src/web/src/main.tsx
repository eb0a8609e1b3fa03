/**
 * The dashboard's entry: the session gate, the shell (sidebar + top bar) and the routes. Everything on
 * screen sits in a landmark: the sidebar is the main navigation, the phone's top bar a banner, the page
 * itself `main`; a "Skip to content" link leads past the menu.
 */
import { memo, StrictMode, useCallback, useEffect, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { api, setUnauthorizedHandler } from './api';
import { Link, navigate, useLocation } from './router';
import { LoginPage } from './pages/Login';
import { SettingsPage } from './pages/Settings';
import { ReportsPage } from './pages/Reports';
import { EconomicsPage } from './pages/Economics';
import { CostsPage } from './pages/Costs';
import { CustomersPage } from './pages/Customers';
import { ReconcilePage } from './pages/Reconcile';
import './styles.css';

type SessionState = { status: 'loading' } | { status: 'anonymous'; setupNeeded: boolean } | { status: 'signed-in'; user: string };

function App() {
  // When the server saw a live session with the page's request, it says so on the root element: the app
  // is drawn at once and the session check runs beside the page's own requests (a 401 from either shows
  // the sign-in page). (Not document.cookie: reading it is a round trip to the browser's cookie store.)
  const [session, setSession] = useState<SessionState>(() => (document.getElementById('root')?.dataset.session === 'signed-in' ? { status: 'signed-in', user: '' } : { status: 'loading' }));
  const [hasConnections, setHasConnections] = useState<boolean | null>(null);
  const { path } = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);

  const refresh = useCallback(async () => {
    try {
      const s = await api<{ user: string; connections: number }>('GET', '/api/session', undefined, { quiet401: true });
      setSession({ status: 'signed-in', user: s.user });
      setHasConnections(s.connections > 0);
    } catch (err) {
      const body = (err as { body?: { setupNeeded?: boolean } }).body;
      setSession({ status: 'anonymous', setupNeeded: body?.setupNeeded === true });
    }
  }, []);

  useEffect(() => {
    setUnauthorizedHandler(() => setSession((s) => (s.status === 'signed-in' ? { status: 'anonymous', setupNeeded: false } : s)));
    void refresh();
  }, [refresh]);

  useEffect(() => setMenuOpen(false), [path]);

  // A new account has nothing to report yet: it starts in Settings. Leaving Settings re-counts the
  // connections (one may have been added or removed there).
  const inSettings = path.startsWith('/settings');
  const wasInSettings = useRef(inSettings);
  useEffect(() => {
    if (wasInSettings.current && !inSettings && session.status === 'signed-in') {
      api<{ connections: unknown[] }>('GET', '/api/status')
        .then((r) => setHasConnections(r.connections.length > 0))
        .catch(() => undefined);
    }
    wasInSettings.current = inSettings;
  }, [inSettings, session.status]);

  if (session.status === 'loading') return <div className="boot" aria-busy="true" />;
  if (session.status === 'anonymous') return <LoginPage setupNeeded={session.setupNeeded} onSignedIn={refresh} />;

  const signOut = async () => {
    await api('DELETE', '/api/session').catch(() => undefined);
    setSession({ status: 'anonymous', setupNeeded: false });
    navigate('/', true);
  };
  if (path === '/' || path === '/login') {
    if (hasConnections === null) return <div className="boot" aria-busy="true" />;
    navigate(hasConnections ? '/reports/overview' : '/settings', true);
    return null;
  }
  const section = path.startsWith('/settings') ? 'settings' : path.startsWith('/costs') ? 'costs' : path.startsWith('/customers') ? 'customers' : path.startsWith('/reconcile') ? 'reconcile' : 'reports';
  return (
    <div className={`shell ${menuOpen ? 'menu-open' : ''}`}>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <nav className="sidebar" id="menu" aria-label="Main menu">
        <div className="brand">
          <span className="logo" aria-hidden="true">K</span> Konduit
        </div>
        <div className="nav-links">
          <div className="nav-label">Reports</div>
          <Link to="/reports/overview" className={path === '/reports/overview' ? 'active' : ''} testId="nav-overview">Overview</Link>
          <Link to="/reports/cohorts" className={path === '/reports/cohorts' ? 'active' : ''} testId="nav-cohorts">Cohort LTV</Link>
          <Link to="/reports/retention" className={path === '/reports/retention' ? 'active' : ''} testId="nav-retention">Retention</Link>
          <Link to="/reports/rebills" className={path === '/reports/rebills' ? 'active' : ''} testId="nav-rebills">Rebills ahead</Link>
          <Link to="/reports/forecast" className={path === '/reports/forecast' ? 'active' : ''} testId="nav-forecast">Forecast</Link>
          <Link to="/reports/mids" className={path === '/reports/mids' ? 'active' : ''} testId="nav-mids">MID health</Link>
          <Link to="/reports/declines" className={path === '/reports/declines' ? 'active' : ''} testId="nav-declines">Declines</Link>
          <Link to="/reports/chargebacks" className={path === '/reports/chargebacks' ? 'active' : ''} testId="nav-chargebacks">Chargebacks</Link>
          <Link to="/reports/breakdowns" className={path === '/reports/breakdowns' ? 'active' : ''} testId="nav-breakdowns">Breakdowns</Link>
          <Link to="/reports/economics" className={path === '/reports/economics' ? 'active' : ''} testId="nav-economics">Economics</Link>
          <Link to="/customers" className={section === 'customers' ? 'active' : ''} testId="nav-customers">Customers</Link>
          <Link to="/reconcile" className={section === 'reconcile' ? 'active' : ''} testId="nav-reconcile">Reconciliation</Link>
          <div className="nav-label">Account</div>
          <Link to="/costs" className={section === 'costs' ? 'active' : ''} testId="nav-costs">Costs</Link>
          <Link to="/settings" className={section === 'settings' ? 'active' : ''} testId="nav-settings">Settings</Link>
        </div>
        <div className="sidebar-foot">
          <span className="small">{session.user ? `Signed in as ${session.user}` : 'Signed in'}</span>
          <button type="button" className="btn btn-ghost btn-sm" onClick={signOut}>Sign out</button>
        </div>
      </nav>
      <div className="main">
        <header className="mobilebar">
          <button type="button" className="btn btn-ghost btn-sm" aria-label="Menu" aria-expanded={menuOpen} aria-controls="menu" onClick={() => setMenuOpen((m) => !m)}>☰</button>
          <span className="brand"><span className="logo" aria-hidden="true">K</span> Konduit</span>
        </header>
        <main id="main" tabIndex={-1}>
          {section === 'reports' && hasConnections === false ? (
            <div className="page-banner">
              No data yet. <Link to="/settings">Connect your CRM in Settings</Link> and click “Sync Data”; the reports fill in as records arrive.
            </div>
          ) : null}
          <Page section={section} path={path} />
        </main>
      </div>
    </div>
  );
}

/**
 * The page of a path. Memoised: what the shell learns as the page loads (the session's user, whether
 * there are connections, the phone's menu) redraws the shell only, not the page and its tables again.
 */
const Page = memo(function Page({ section, path }: { section: string; path: string }) {
  return section === 'settings' ? <SettingsPage path={path} /> : section === 'costs' ? <CostsPage /> : section === 'customers' ? <CustomersPage path={path} /> : section === 'reconcile' ? <ReconcilePage /> : path === '/reports/economics' ? <EconomicsPage /> : <ReportsPage path={path} />;
});

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
