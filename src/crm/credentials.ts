/**
 * What the CRM cannot accept in an API user's credentials, checked before any request so the merchant
 * gets the reason instead of a confusing "Invalid login credentials".
 */
export interface CredentialProblem {
  message: string;
  hint: string;
}

/** The '&' rule of the vendor's API-user instructions; null when the password is acceptable. */
export function apiPasswordProblem(password: string): CredentialProblem | null {
  if (password.length === 0) {
    return { message: 'the API password is empty', hint: "Enter the password you set for the API user in the CRM (Admin > Users)." };
  }
  if (password.includes('&')) {
    return {
      message: "the API user's password contains '&', which the CRM cannot accept",
      hint:
        "The password travels as a form/query parameter, where '&' separates parameters, so the CRM cuts it there. " +
        "Konnektive's and Checkout Champ's API-user setup guide says: do not use an ampersand. " +
        "Set a new password for the API user without '&' (Admin > Users in the CRM).",
    };
  }
  return null;
}
