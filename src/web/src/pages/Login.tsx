/** The only page shown without a session: sign in, or create the admin account on the first visit. */
import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api';

/** Sign in, or the first-run account form. */
export function LoginPage(props: { setupNeeded: boolean; onSignedIn: () => void }) {
  const [username, setUsername] = useState(props.setupNeeded ? 'admin' : '');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    if (props.setupNeeded && password !== confirm) {
      setError('The two passwords differ.');
      return;
    }
    setBusy(true);
    try {
      await api('POST', props.setupNeeded ? '/api/setup' : '/api/session', { username, password }, { quiet401: true });
      props.onSignedIn();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="login">
      <form className="login-card" onSubmit={submit} data-page="login">
        <div className="brand big">
          <span className="logo" aria-hidden="true">K</span> Konduit
        </div>
        <h1>{props.setupNeeded ? 'Create the admin account' : 'Sign in'}</h1>
        <p className="muted">{props.setupNeeded ? 'This is the first visit. Choose the login that protects this dashboard (at least 10 characters).' : 'Lifetime value, refunds and chargebacks from your CRM.'}</p>
        <label>
          Username
          <input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete={props.setupNeeded ? 'new-password' : 'current-password'} value={password} onChange={(e) => setPassword(e.target.value)} required />
        </label>
        {props.setupNeeded ? (
          <label>
            Confirm password
            <input name="confirm" type="password" autoComplete="new-password" value={confirm} onChange={(e) => setConfirm(e.target.value)} required />
          </label>
        ) : null}
        {error ? <div className="alert alert-error" role="alert">{error}</div> : null}
        <button className="btn btn-primary btn-block" type="submit" disabled={busy}>
          {props.setupNeeded ? 'Create account' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
