/** The short guide to creating the CRM's API user, after the vendor's own instructions. */
/** The API-user guide card. */
export function ApiUserGuide(props: { brand: string }) {
  return (
    <section className="card guide" data-testid="api-user-guide">
      <h2>Create the API user in {props.brand}</h2>
      <p className="muted small">Konnektive and Checkout Champ are the same CRM under two names; these steps apply to both.</p>
      <ol>
        <li>Sign in to the CRM and go to <b>Admin › Users</b>, then click <b>+</b> (top right).</li>
        <li>
          <b>Username</b>: something that says what it is for, e.g. <code>konduit_api</code>. <b>Email</b>: yours.
        </li>
        <li>
          <b>Access Level</b>: <code>Api User</code>.
        </li>
        <li>
          <b>IP Whitelist</b>: the public IP address of the machine running Konduit (the CRM refuses calls from any other address).
        </li>
        <li>
          <b>Password</b>: a strong one, kept for the form here. <span className="warn-text">Do not use an ampersand (&amp;)</span>: the CRM cuts the password at it.
        </li>
        <li>
          <b>Allowed API Endpoints</b>: tick <b>Coupon</b> and every permission that contains <b>Query</b> (Ctrl+F “query” helps), then <b>Create</b>.
        </li>
      </ol>
      <p className="muted small">Then fill in the form: API username and password from above, your CRM account name, and the username you sign in to the CRM with.</p>
    </section>
  );
}
