/**
 * The export headers of the common subscription platforms and processors, per import column: what
 * `import build --init` recognises by name (issue 17, item 3). Each entry is written as the platform
 * writes it (so the list can be checked against the platform's documentation); matching ignores case,
 * spaces and punctuation. Sources (their export documentation, checked December 2026):
 *
 * - Shopify: the orders export (Orders > Export): "Name", "Email", "Financial Status", "Created at",
 *   "Billing Zip", "Billing Province", "Lineitem quantity", "Payment Reference", ...
 * - Recharge: the Export Builder's charges, subscriptions and addresses exports (snake_case:
 *   customer_id, next_charge_scheduled_at, address_1, zip, province, ...).
 * - Chargebee: the invoices, transactions and subscriptions exports ("Customer Id", "Transaction Id",
 *   "Billing Address Zip", "Next Billing At", "Payment Method Type", ...).
 * - Stripe: the Dashboard payments export ("Created date (UTC)", "Customer Email", "Card Exp Month",
 *   "Card Address Zip", "Dispute Reason", "Amount Refunded", ...).
 * - Sticky.io (LimeLight): the order export and order_view fields (order_id, time_stamp,
 *   billing_postcode, cc_expires, recurring_date, is_chargeback, ...).
 * - NMI: the transaction query export (transaction_id, action_type, condition, cc_number, cc_exp,
 *   postal_code, shipping_postal_code, authorization_code, customer_vault_id, ...).
 * - Authorize.Net: the transaction detail download ("Transaction ID", "Submit Date/Time",
 *   "Transaction Status", "Card Number", "Expiration Date", "Ship-To ZIP", "Reference Transaction ID", ...).
 *
 * Names that mean different things on different platforms ("Status": a transaction's on Stripe, a
 * subscription's on Recharge) are not synonyms: the column's content decides (guess-columns.ts).
 */

/** Header names per import column (transactions file). */
export const TRANSACTION_SYNONYMS: Record<string, readonly string[]> = {
  customerId: ['Customer ID', 'customer_id', 'Customer Id', 'CustomerID', 'cust_id', 'Customer Number', 'client_id', 'member_id', 'customerid', 'Customer Vault ID'],
  orderId: ['Order ID', 'order_id', 'Order Number', 'Order #', 'Order No', 'Name', 'Invoice Number', 'Invoice ID', 'invoice_id', 'Invoice Id', 'shopify_order_id', 'Order'],
  dateCreated: ['Date Created', 'Created', 'Created at', 'created_at', 'Created date (UTC)', 'Created (UTC)', 'Processed At', 'processed_at', 'Paid at', 'time_stamp', 'Submit Date/Time', 'Transaction Date', 'Order Date', 'Date', 'date', 'Timestamp', 'Charge Date'],
  isActiveRecurring: ['Subscription Status', 'subscription_status', 'Recurring Status', 'Is Recurring', 'is_recurring', 'Active Subscription', 'Sub Status'],
  nextBillDate: ['Next Bill Date', 'Next Billing Date', 'Next Billing At', 'next_charge_scheduled_at', 'Next Charge Date', 'Next Charge Scheduled At', 'recurring_date', 'Recurring Date', 'Next Rebill Date', 'Renewal Date', 'Next Renewal'],
  paySource: ['Payment Method', 'payment_method', 'Payment Method Type', 'Payment Type', 'Payment Source Type', 'Tender', 'payment_type'],
  cardNumber: ['Card Number', 'card_number', 'cc_number', 'CC Number', 'Credit Card Number', 'PAN', 'Account Number'],
  cardExpiryMonth: ['Card Exp Month', 'exp_month', 'Expiry Month', 'Expiration Month', 'cc_exp_month', 'Card Expiry Month'],
  cardExpiryYear: ['Card Exp Year', 'exp_year', 'Expiry Year', 'Expiration Year', 'cc_exp_year', 'Card Expiry Year'],
  achRoutingNumber: ['Routing Number', 'routing_number', 'check_aba', 'ABA', 'Bank Routing', 'Bank Routing Number'],
  achAccountNumber: ['Bank Account Number', 'check_account', 'Bank Account', 'account_number', 'Checking Account Number'],
  achAccountType: ['Account Type', 'account_type', 'Bank Account Type'],
  merchantTxnId: ['Transaction ID', 'transaction_id', 'Transaction Id', 'Txn ID', 'Charge ID', 'charge_id', 'id', 'Payment Reference', 'Payment ID', 'Gateway Transaction ID', 'processor_transaction_id', 'Reference'],
  txnType: ['Transaction Type', 'transaction_type', 'action_type', 'Txn Type', 'Type', 'type', 'Kind'],
  subTotal: ['Subtotal', 'subtotal_price', 'Sub Total', 'Amount', 'amount', 'Price', 'Product Price', 'Order Subtotal'],
  shipTotal: ['Shipping', 'shipping', 'Shipping Amount', 'Shipping Total', 'shipping_price', 'Shipping Cost', 'L2 - Freight', 'Freight'],
  salesTax: ['Taxes', 'Tax', 'tax', 'total_tax', 'Sales Tax', 'Tax Amount', 'L2 - Tax', 'order_sales_tax_amount'],
  totalAmount: ['Total', 'total_price', 'Total Amount', 'Order Total', 'Settlement Amount', 'Grand Total', 'Amount Paid', 'order_total', 'Charge Amount'],
  responseType: ['Result', 'Response', 'Transaction Status', 'Financial Status', 'condition', 'success', 'Response Type', 'Outcome'],
  responseText: ['Response Text', 'response_text', 'Response Message', 'Seller Message', 'Processor Response Text'],
  authCode: ['Auth Code', 'Authorization Code', 'authorization_code', 'auth_id', 'Approval Code', 'Auth ID'],
  parentTxnId: ['Parent Transaction ID', 'Refunded Transaction', 'Reference Transaction ID', 'Original Transaction ID', 'Refund Of', 'parent_id', 'Original Charge ID', 'Parent Txn ID'],
  firstName: ['First Name', 'first_name', 'customer_first_name', 'Billing First Name', 'billing_first_name', 'Customer First Name', 'FirstName', 'Given Name'],
  lastName: ['Last Name', 'last_name', 'customer_last_name', 'Billing Last Name', 'billing_last_name', 'Customer Last Name', 'LastName', 'Surname', 'Family Name'],
  address1: ['Address 1', 'address_1', 'Address1', 'Billing Address1', 'Billing Address 1', 'Billing Street', 'billing_street_address', 'billing_address1', 'Card Address Line1', 'Address', 'Street', 'Billing Address', 'Billing Address Line1', 'Billing Street Address'],
  address2: ['Address 2', 'address_2', 'Address2', 'Billing Address2', 'Billing Address 2', 'billing_street_address2', 'billing_address2', 'Card Address Line2', 'Billing Address Line2', 'Billing Street Address 2', 'Apt'],
  city: ['City', 'city', 'Billing City', 'billing_city', 'Card Address City', 'Town'],
  state: ['State', 'state', 'Province', 'province', 'Billing Province', 'Billing State', 'billing_state', 'Card Address State', 'Billing Address State', 'Region', 'State/Province'],
  country: ['Country', 'country', 'Billing Country', 'billing_country', 'Card Address Country', 'Billing Address Country', 'Country Code'],
  postalCode: ['Zip', 'zip', 'ZIP', 'Zip Code', 'Postal Code', 'postal_code', 'Postcode', 'Billing Zip', 'billing_zip', 'billing_postcode', 'Card Address Zip', 'Billing Address Zip', 'Billing Postal Code'],
  phoneNumber: ['Phone', 'phone', 'Phone Number', 'Billing Phone', 'billing_phone', 'customers_telephone', 'Telephone', 'Mobile'],
  homePhone: ['Home Phone'],
  cellPhone: ['Cell Phone', 'cell_phone', 'Mobile Phone', 'Cell'],
  workPhone: ['Work Phone', 'Office Phone'],
  emailAddress: ['Email', 'email', 'E-mail', 'Email Address', 'email_address', 'Customer Email', 'customer_email', 'Billing Email'],
  billShipSame: ['Bill Ship Same', 'Shipping Same As Billing', 'Same As Billing', 'Ship To Billing', 'billing_same_as_shipping'],
  shipAddress1: ['Shipping Address', 'Shipping Address1', 'Shipping Address 1', 'Shipping Street', 'shipping_street_address', 'shipping_address_1', 'shipping_address1', 'Ship-To Address', 'Ship Address', 'Shipping Address Line1', 'Shipping Street Address'],
  shipAddress2: ['Shipping Address2', 'Shipping Address 2', 'shipping_street_address2', 'shipping_address_2', 'shipping_address2', 'Shipping Address Line2', 'Shipping Street Address 2'],
  shipCity: ['Shipping City', 'shipping_city', 'Ship-To City', 'Ship City'],
  shipState: ['Shipping Province', 'Shipping State', 'shipping_state', 'shipping_province', 'Ship-To State', 'Ship State'],
  shipCountry: ['Shipping Country', 'shipping_country', 'Ship-To Country', 'Ship Country'],
  shipPostalCode: ['Shipping Zip', 'shipping_zip', 'shipping_postcode', 'shipping_postal_code', 'Ship-To ZIP', 'Ship Zip', 'Shipping Postal Code'],
  affId: ['Affiliate', 'affiliate', 'Affiliate ID', 'affiliate_id', 'AFID', 'affid'],
  subAffId: ['Sub Affiliate', 'sub_affiliate', 'Sub ID', 'SubID', 'sub_id'],
  shipDate: ['Fulfilled at', 'Ship Date', 'shipping_date', 'Shipped At', 'Shipped Date', 'Date Shipped'],
  shipCarrier: ['Carrier', 'shipping_carrier', 'Shipping Carrier'],
  shipMethod: ['Shipping Method', 'shipping_method', 'Ship Method', 'Shipping Method Name'],
  trackingNumber: ['Tracking Number', 'tracking_number', 'Tracking', 'Tracking #', 'Fulfillment Tracking Number'],
  isChargedback: ['Is Chargeback', 'is_chargeback', 'Chargeback', 'Chargedback', 'Disputed'],
  chargebackTotal: ['Chargeback Amount', 'chargeback_amount', 'Disputed Amount', 'Dispute Amount'],
  chargebackDate: ['Chargeback Date', 'chargeback_date', 'Dispute Date (UTC)', 'Dispute Date', 'Disputed At'],
  chargebackReasonCode: ['Chargeback Reason Code', 'Reason Code', 'Dispute Reason', 'chargeback_reason', 'Dispute Reason Code'],
  externalToken: ['External Token', 'Payment Token', 'Gateway Token', 'Card Token', 'payment_token', 'customer_vault_id', 'Vault ID', 'Stripe Customer Token', 'Card ID', 'payment_method_id', 'Gateway Customer ID'],
  quantity: ['Quantity', 'quantity', 'Qty', 'Lineitem quantity', 'Line Item Quantity', 'Units'],
};

/** Header names per import column of the notes file. */
export const NOTE_SYNONYMS: Record<string, readonly string[]> = {
  customerId: ['Customer ID', 'customer_id', 'Customer Id', 'cust', 'Customer'],
  dateCreated: ['Date Created', 'Created', 'Created at', 'created_at', 'Date', 'When', 'Note Date', 'Timestamp'],
  agentName: ['Agent', 'Agent Name', 'agent', 'User', 'Author', 'Created By', 'Rep'],
  noteText: ['Note', 'Notes', 'note', 'Note Text', 'Text', 'Message', 'Comment', 'Body'],
};

/** Header names per import column of the details file. */
export const DETAIL_SYNONYMS: Record<string, readonly string[]> = {
  customerId: TRANSACTION_SYNONYMS.customerId ?? [],
  loginId: ['Username', 'username', 'Login', 'Login ID', 'login_id', 'User Name'],
};

/** Headers that name a subscription (the key of derive.subscription). */
export const SUBSCRIPTION_KEYS = ['Subscription ID', 'subscription_id', 'Subscription Id', 'Purchase ID', 'purchase_id', 'Recurring ID', 'Plan Subscription ID'];

/** Headers that hold a card expiry in one cell (derive.cardExpiry). */
export const COMBINED_EXPIRY = ['Card Expiry', 'Expiration Date', 'Expiry', 'Exp Date', 'cc_exp', 'cc_expires', 'CC Expires', 'Expiry Date', 'Card Expiration', 'Exp'];

/** Headers of a product or plan (the key of a lookup to the CRM's campaign product ids). */
export const PRODUCT_KEYS = ['Plan', 'Product', 'product_title', 'Product Title', 'Product Name', 'Lineitem name', 'Lineitem sku', 'SKU', 'Plan Name', 'Plan ID', 'product_id', 'Product ID', 'Variant Title'];
