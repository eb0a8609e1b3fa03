/**
 * The CRM's response envelope and its error strings, in one place (docs/sandbox.md lists them).
 * Success and error both travel as HTTP 200; `result` is the only discriminator.
 */

/** Exact error messages. The "No ... matching" family is the reference's; the rest are our choices. */
export const MESSAGES = {
  invalidLogin: 'Invalid login credentials',
  ipNotWhitelisted: (ip: string) => `IP must be whitelisted - ${ip}`,
  noAccess: 'API user does not have access to this endpoint',
  unknownEndpoint: 'Invalid API endpoint',
  dateRangeRequired: 'startDate and endDate are required',
  invalidDate: (param: string, value: string) => `Invalid ${param}: ${value}`,
  invalidValue: (param: string, value: string) => `Invalid value for ${param}: ${value}`,
  historyNeedsCustomer: 'customerId is required',
  busy: 'The server is busy. Please try again shortly',
  noMatch: (entity: string) => `No ${entity} matching those parameters could be found`,
} as const;

export interface PageEnvelope {
  totalResults: number;
  resultsPerPage: number;
  page: number;
  data: unknown;
  params: null;
  errors: null;
  sortBy: string;
  sortDir: number;
  queryArgs: Record<string, unknown>;
}

/** A query's page, a report's rows (transactions/summary: `message` is a plain array), or an error. */
export type ApiResponse = { result: 'SUCCESS'; message: PageEnvelope } | { result: 'SUCCESS'; message: Record<string, unknown>[] } | { result: 'ERROR'; message: string };

/** An ERROR envelope. */
export function apiError(message: string): ApiResponse {
  return { result: 'ERROR', message };
}
