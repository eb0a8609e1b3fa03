import { describe, expect, it } from 'vitest';
import * as F from './field-checks.js';
import { describeCases, type RowCase } from '../testkit/check-cases.js';

const run = (fn: (b: Uint8Array, s: number, e: number, ...rest: never[]) => string | null, v: string, ...rest: unknown[]) => {
  const b = Buffer.from(v);
  return (fn as (b: Uint8Array, s: number, e: number, ...r: unknown[]) => string | null)(b, 0, b.length, ...rest);
};

describe('field checks', () => {
  it('varchar counts characters, not bytes', () => {
    expect(run(F.checkVarchar, 'Zoë Müller', 10)).toBeNull();
    expect(run(F.checkVarchar, 'x'.repeat(31), 30)).toBe('too_long');
  });
  it('ids are digits only; integers may be negative', () => {
    expect(run(F.checkId, '123', 18)).toBeNull();
    for (const bad of ['-1', '1.0', '1 ', 'a1', '1e3']) expect(run(F.checkId, bad, 18), bad).toBe('not_integer');
    expect(run(F.checkInteger, '-2', 9)).toBeNull();
    expect(F.parsed.value).toBe(-2);
    expect(run(F.checkInteger, '-', 9)).toBe('not_integer');
  });
  it('decimals parse exactly into cents and refuse what is not a plain amount', () => {
    for (const [v, cents] of [['12', 1200], ['12.5', 1250], ['12.50', 1250], ['0.07', 7], ['-3.99', -399], ['1.500', 150]] as const) {
      expect(run(F.checkDecimal, v), v).toBeNull();
      expect(F.parsed.value).toBe(cents);
    }
    for (const bad of ['', '.5', '12.', '1,000.00', '$5', '1e3', '12.505', '1.2.3', '+1']) expect(run(F.checkDecimal, bad), bad).toBe('not_decimal');
  });
  it('chargebackTotal is exactly xx.xx', () => {
    expect(run(F.checkAmount2, '49.95')).toBeNull();
    expect(F.parsed.value).toBe(4995);
    for (const bad of ['49.9', '49', '49.950', 'a9.95', '.95']) expect(run(F.checkAmount2, bad), bad).toBe('not_amount_xx_xx');
  });
  it('bits are 0 or 1', () => {
    expect(run(F.checkBit, '1')).toBeNull();
    for (const bad of ['2', 'true', '01', 'Y']) expect(run(F.checkBit, bad)).toBe('not_bit');
  });
  it('enums are exact case', () => {
    const values = ['SUCCESS', 'DECLINE'].map((v) => Buffer.from(v));
    expect(run(F.checkEnum, 'DECLINE', values)).toBeNull();
    expect(F.parsed.value).toBe(1);
    expect(run(F.checkEnum, 'Success', values)).toBe('not_in_enum');
  });
  it('dates and datetimes must exist on the calendar', () => {
    expect(run(F.checkDate, '2024-02-29')).toBeNull();
    expect(F.parsed.value).toBe(20240229);
    for (const bad of ['2025-02-29', '2025-13-01', '2025-1-01', '01/02/2025', '2025-04-31']) expect(run(F.checkDate, bad), bad).toBe('invalid_date');
    expect(run(F.checkDatetime, '2025-03-10 23:59:59')).toBeNull();
    for (const bad of ['2025-03-10 24:00:00', '2025-03-10T10:00:00', '2025-03-10 10:00', '2025-02-30 10:00:00']) {
      expect(run(F.checkDatetime, bad), bad).toBe('invalid_datetime');
    }
  });
  it('emails must have a valid form', () => {
    for (const ok of ['ada@example.com', "o'neil+x@mail.example.co.uk", 'a.b@x-y.io']) expect(run(F.checkEmail, ok), ok).toBeNull();
    for (const bad of ['ada', 'ada@', '@x.com', 'a@b', 'a..b@x.com', 'a@-x.com', 'a b@x.com', 'a@x.c', 'a@x.c0m', 'a@@x.com', '.a@x.com']) {
      expect(run(F.checkEmail, bad), bad).toBe('invalid_email');
    }
  });
  it('phones are 7 to 15 digits, 5551112222 included', () => {
    expect(run(F.checkPhone, '5551112222')).toBeNull();
    expect(run(F.checkPhone, '(555) 111-2222')).toBe('phone_not_digits');
    expect(run(F.checkPhone, '+15551112222')).toBe('phone_not_digits');
    expect(run(F.checkPhone, '12345')).toBe('phone_length');
  });
  it('countries are ISO 3166-1 alpha-2, upper case', () => {
    for (const ok of ['US', 'CA', 'GB', 'AX', 'ZW']) expect(run(F.checkCountry, ok)).toBeNull();
    for (const bad of ['us', 'UK', 'USA', 'XX']) expect(run(F.checkCountry, bad), bad).toBe('invalid_country');
  });
  it('regions: US states with DC, territories and military codes; Canadian provinces', () => {
    const m = (v: string, c: 'US' | 'CA') => F.regionMatches(Buffer.from(v), 0, v.length, c);
    expect(['NY', 'DC', 'PR', 'AE'].every((v) => m(v, 'US'))).toBe(true);
    expect(['ON', 'QC', 'YT'].every((v) => m(v, 'CA'))).toBe(true);
    expect(m('ON', 'US')).toBe(false);
    expect(m('NY', 'CA')).toBe(false);
    expect(m('New York', 'US')).toBe(false);
  });
  it('expiry months are 01..12 and years four digits', () => {
    expect(run(F.checkMonth, '09')).toBeNull();
    for (const bad of ['9', '13', '00']) expect(run(F.checkMonth, bad)).toBe('invalid_expiry_month');
    expect(run(F.checkYear, '2028')).toBeNull();
    expect(run(F.checkYear, '28')).toBe('invalid_expiry_year');
  });
  it('routing numbers are 9 digits with a valid ABA checksum', () => {
    expect(run(F.checkRouting, '021000021')).toBeNull();
    expect(run(F.checkRouting, '021000022')).toBe('routing_checksum');
    expect(run(F.checkRouting, '21000021')).toBe('invalid_routing_number');
    expect(run(F.checkAccount, '12345678')).toBeNull();
    expect(run(F.checkAccount, '12-345')).toBe('invalid_account_number');
  });
  it('card numbers: Luhn, length, and spreadsheet damage named as such', () => {
    expect(run(F.checkCard, '4111111111111111')).toBeNull();
    expect(F.parsed.value).toBe(F.CARD_FULL);
    expect(run(F.checkCard, '378282246310005')).toBeNull();
    expect(run(F.checkCard, '4111111111111112')).toBe('card_luhn');
    expect(run(F.checkCard, '4.11111E+15')).toBe('card_scientific_notation');
    expect(run(F.checkCard, '4.111111111111E15')).toBe('card_scientific_notation');
    // 4111111111111111 cut to 15 significant digits by a spreadsheet: 411111111111111 then a 0.
    expect(run(F.checkCard, '4111111111111110')).toBe('card_truncated_to_15_digits');
    expect(run(F.checkCard, '41111111111111110000')).toBe('card_too_long');
    expect(run(F.checkCard, '4111 1111 1111 1111')).toBe('card_not_digits');
    expect(run(F.checkCard, '41111')).toBe('card_too_short');
    expect(run(F.checkCard, '411111******1111')).toBeNull();
    expect(F.parsed.value).toBe(F.CARD_MASKED);
    expect(run(F.checkCard, '411111xxxxxx1111')).toBeNull();
    expect(run(F.checkCard, 'xxxx')).toBe('card_masked_malformed');
  });
});

/** Each field check's codes through the validator: a failing change and a passing one on a valid base row. */
const cases: RowCase[] = [
  { code: 'required', column: 'customerId', bad: { customerId: '' }, good: { customerId: 'C9' } },
  { code: 'required', column: 'address1', bad: { address1: '' }, good: { address1: '1 A St' } },
  { code: 'too_long', column: 'firstName', bad: { firstName: 'A'.repeat(31) }, good: { firstName: 'É'.repeat(30) } },
  { code: 'too_long', column: 'merchantTxnId', bad: { merchantTxnId: 'T'.repeat(31) }, good: { merchantTxnId: 'T'.repeat(30) } },
  { code: 'not_integer', column: 'campaignId', bad: { campaignId: '3.0' }, good: { campaignId: '0003' } },
  { code: 'not_integer', column: 'variantDetailId', bad: { variantDetailId: 'v1' }, good: { variantDetailId: '77' } },
  { code: 'not_integer', column: 'quantity', bad: { quantity: '2 units' }, good: { quantity: '2' } },
  { code: 'quantity_not_positive', column: 'quantity', bad: { quantity: '0' }, good: { quantity: '1' } },
  { code: 'not_decimal', column: 'shipTotal', bad: { shipTotal: '$4.95', totalAmount: '26.54' }, good: { shipTotal: '4.950' } },
  { code: 'not_bit', column: 'isActiveRecurring', bad: { isActiveRecurring: 'true' }, good: { isActiveRecurring: '0' } },
  { code: 'not_bit', column: 'isChargedback', bad: { isChargedback: 'N' }, good: { isChargedback: '' } },
  { code: 'not_in_enum', column: 'paySource', bad: { paySource: 'creditcard' }, good: { paySource: 'CREDITCARD' } },
  { code: 'not_in_enum', column: 'responseType', bad: { responseType: 'APPROVED' }, good: { responseType: 'DECLINE' } },
  { code: 'not_in_enum', column: 'responseText', bad: { responseText: 'Success' }, good: { responseText: 'DECLINE' } },
  { code: 'not_in_enum', column: 'txnType', bad: { txnType: 'VOID' }, good: { txnType: 'AUTHORIZE' } },
  { code: 'invalid_datetime', column: 'dateCreated', bad: { dateCreated: '2025-02-29 10:00:00' }, good: { dateCreated: '2024-02-29 10:00:00' } },
  { code: 'invalid_datetime', column: 'dateCreated', bad: { dateCreated: '03/10/2025 14:05' }, good: { dateCreated: '2025-03-10 00:00:00' } },
  { code: 'invalid_date', column: 'shipDate', bad: { shipDate: '2025-3-11' }, good: { shipDate: '2025-03-11' } },
  { code: 'invalid_datetime', column: 'dateCreated', bad: { dateCreated: '4/10/2026 5:35 AM' }, good: { dateCreated: '2026-04-10 05:35:00' } },
  { code: 'invalid_expiry_month', column: 'cardExpiryMonth', bad: { cardExpiryMonth: '06/31' }, good: { cardExpiryMonth: '06' } },
  { code: 'invalid_email', column: 'emailAddress', bad: { emailAddress: 'ada@example' }, good: { emailAddress: 'ada.l+1@example.co.uk' } },
  { code: 'phone_not_digits', column: 'phoneNumber', bad: { phoneNumber: '(555) 111-2222' }, good: { phoneNumber: '5551112222' } },
  { code: 'phone_length', column: 'cellPhone', bad: { cellPhone: '555' }, good: { cellPhone: '447700900123' } },
  { code: 'invalid_country', column: 'country', bad: { country: 'USA' }, good: { country: 'US' } },
  { code: 'invalid_expiry_month', column: 'cardExpiryMonth', bad: { cardExpiryMonth: '3' }, good: { cardExpiryMonth: '12' } },
  { code: 'invalid_expiry_year', column: 'cardExpiryYear', bad: { cardExpiryYear: '28' }, good: { cardExpiryYear: '2030' } },
  { code: 'card_luhn', column: 'cardNumber', bad: { cardNumber: '4111111111111121' }, good: { cardNumber: '5555555555554444' } },
  { code: 'card_scientific_notation', column: 'cardNumber', bad: { cardNumber: '4.11111E+15' }, good: { cardNumber: '4111111111111111' } },
  { code: 'card_truncated_to_15_digits', column: 'cardNumber', bad: { cardNumber: '4111111111111110' }, good: { cardNumber: '4111111111111111' } },
  { code: 'card_too_long', column: 'cardNumber', bad: { cardNumber: '41111111111111111111' }, good: { cardNumber: '4111111111111111' } },
  { code: 'card_not_digits', column: 'cardNumber', bad: { cardNumber: '4111-1111-1111-1111' }, good: { cardNumber: '4111111111111111' } },
  { code: 'routing_checksum', column: 'achRoutingNumber', bad: { achRoutingNumber: '021000022' }, good: { achRoutingNumber: '011000015' } },
  { code: 'invalid_routing_number', column: 'achRoutingNumber', bad: { achRoutingNumber: '21000021' }, good: { achRoutingNumber: '021000021' } },
  { code: 'invalid_account_number', column: 'achAccountNumber', bad: { achAccountNumber: '1234-5678' }, good: { achAccountNumber: '12345678' } },
  { code: 'not_in_enum', column: 'achAccountType', bad: { achAccountType: 'checking' }, good: { achAccountType: 'CHECKING' } },
  { code: 'card_too_short', column: 'cardNumber', bad: { cardNumber: '41111111' }, good: { cardNumber: '411111111117' } },
  { code: 'card_in_other_column', column: 'address2', bad: { address2: 'cc4012888888881881 exp 03/29' }, good: { address2: 'Apt 4012888888881882' } },
  { code: 'card_in_other_column', column: 'merchantTxnId', bad: { merchantTxnId: '4012-8888-8888-1881' }, good: { merchantTxnId: 'ch_4012888888881881' } },
  { code: 'card_masked_malformed', column: 'cardNumber', bad: { cardNumber: '4111xx', externalToken: 'tok' }, good: { cardNumber: '4111xxxxxxxx1111', externalToken: 'tok' } },
  { code: 'invalid_country', column: 'shipCountry', bad: { billShipSame: '1', shipCountry: 'XX' }, good: { billShipSame: '1', shipCountry: '' } },
  {
    code: 'not_amount_xx_xx',
    column: 'chargebackTotal',
    bad: { isChargedback: '1', chargebackTotal: '26.5', chargebackDate: '2025-04-01', chargebackReasonCode: '10.4' },
    good: { isChargedback: '1', chargebackTotal: '26.50', chargebackDate: '2025-04-01', chargebackReasonCode: '10.4' },
  },
  {
    code: 'too_long',
    column: 'chargebackReasonCode',
    bad: { isChargedback: '1', chargebackTotal: '26.54', chargebackDate: '2025-04-01', chargebackReasonCode: 'FRAUD-12345' },
    good: { isChargedback: '1', chargebackTotal: '26.54', chargebackDate: '2025-04-01', chargebackReasonCode: 'FRAUD-1234' },
  },
];

describeCases(F.fieldChecks, cases);
