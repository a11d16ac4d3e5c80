import { test, expect } from './fixtures';
import type { APIRequestContext } from '@playwright/test';
import * as crypto from 'node:crypto';
import { ADMIN, STAFF, goto, hydrated, signIn } from './helpers';

const BASE = 'http://127.0.0.1:3100';
const TOKEN = 'fedcba9876543210fedcba9876543210';
const ORIGIN = { Origin: BASE };

/** Twilio's X-Twilio-Signature: base64 HMAC-SHA1 over the URL and the sorted parameters. */
function sign(url: string, params: [string, string][]): string {
  const sorted = [...params].sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
  const text = url + sorted.map(([k, v]) => k + v).join('');
  return crypto.createHmac('sha1', TOKEN).update(text, 'utf8').digest('base64');
}

async function statusCallback(request: APIRequestContext, orderId: number, sid: string, status: string, sequence: number, extra: [string, string][] = []) {
  const url = `${BASE}/api/v1/orders/${orderId}/twilio-status`;
  const params: [string, string][] = [
    ['AccountSid', 'AC0123456789abcdef0123456789abcdef'], ['CallSid', sid], ['CallStatus', status],
    ['SequenceNumber', String(sequence)], ['CallbackSource', 'call-progress-events'], ['Direction', 'outbound-api'], ...extra,
  ];
  const response = await request.post(url, {
    headers: { 'X-Twilio-Signature': sign(url, params), 'Content-Type': 'application/x-www-form-urlencoded' },
    data: new URLSearchParams(params).toString(),
  });
  expect(response.status()).toBe(204);
}

async function createOrder(request: APIRequestContext, number: string, phone: string): Promise<number> {
  const response = await request.post('/api/orders/save', {
    headers: ORIGIN,
    form: {
      'input[number]': number, 'input[customer_name]': 'Émile Zola', 'input[customer_phone]': phone,
      'input[delivery_address]': '21 bis rue de Bruxelles, Paris', 'input[items]': '1 x Regina @ 13.50',
    },
  });
  expect(response.status()).toBe(200);
  return (await response.json()).id;
}

test('staff place a call and watch its status change live; a refused number shows Twilio\'s reason', async ({ page, browser }) => {
  // Arrange as admin: a working Twilio configuration (the settings spec left a bad token) and two orders.
  const admin = await browser.newPage();
  await signIn(admin, ADMIN.email, ADMIN.password);
  const saved = await admin.request.post('/api/settings/save', { headers: ORIGIN, form: { key: 'twilio_auth_token', value: TOKEN } });
  expect(saved.status()).toBe(200);
  const orderId = await createOrder(admin.request, 'CALL-1', '06 12 34 56 78');
  const refusedId = await createOrder(admin.request, 'CALL-2', '06 12 34 56 99');
  await admin.close();

  await signIn(page, STAFF.email, STAFF.password);
  await goto(page, `/orders/${orderId}`);
  await page.getByRole('button', { name: 'Call', exact: true }).click();
  await page.getByLabel('Purpose').fill('confirm the delivery time');
  await page.getByRole('button', { name: 'Place call' }).click();
  const status = page.locator('table.call-log [data-status]').first();
  await expect(status).toHaveText('queued');

  const created = await (await page.request.get('http://127.0.0.1:3101/_test/calls')).json();
  const sid: string = created[created.length - 1].sid;
  await statusCallback(page.request, orderId, sid, 'initiated', 0);
  await statusCallback(page.request, orderId, sid, 'ringing', 1);
  await expect(status).toHaveText('ringing');
  await statusCallback(page.request, orderId, sid, 'in-progress', 2);
  await expect(status).toHaveText('in progress');
  await expect(page.getByRole('button', { name: 'Hang up' })).toBeVisible();
  await statusCallback(page.request, orderId, sid, 'completed', 3, [['CallDuration', '42'], ['AnsweredBy', 'human']]);
  await expect(status).toHaveText('completed');
  await expect(page.locator('table.call-log td.duration').first()).toHaveText('42 s');

  await goto(page, `/orders/${refusedId}`);
  await page.getByRole('button', { name: 'Call', exact: true }).click();
  await page.getByRole('button', { name: 'Place call' }).click();
  await expect(page.locator('table.call-log [data-status]').first()).toHaveText('failed');
  // The reason is shown once, in the call log (no banner repeating it).
  await expect(page.locator('table.call-log td.failure').first()).toContainText('the number called is not a valid phone number');
  await expect(page.getByText('not a valid phone number')).toHaveCount(1);

  // Only the answered call is a contact: the refused one leaves "Last contact" empty.
  await goto(page, '/orders?q=CALL-');
  const lastContact = (number: string) => page.locator('table.orders tbody tr', { hasText: number }).locator('td').nth(7);
  await expect(lastContact('CALL-1')).not.toHaveText('—');
  await expect(lastContact('CALL-2')).toHaveText('—');
});

test('a demo order is marked and called only after ticking the confirmation', async ({ page }) => {
  await signIn(page, STAFF.email, STAFF.password);
  // Demo orders were loaded by the orders spec.
  await goto(page, '/orders?q=D-1001');
  const row = page.locator('table.orders tbody tr', { hasText: 'D-1001' });
  await expect(row.locator('.badge.demo')).toHaveText('Demo');
  await expect(row.locator('td.phone')).toHaveText(/^\+33 6 39 98 \d{2} \d{2}$/);
  await row.getByRole('link', { name: 'D-1001' }).click();
  await hydrated(page);
  await expect(page.locator('h1 .badge.demo')).toHaveText('Demo');
  await page.getByRole('button', { name: 'Call', exact: true }).click();
  await expect(page.getByText('This is a demo order')).toBeVisible();
  const before = (await (await page.request.get('http://127.0.0.1:3101/_test/calls')).json()).length;
  // Unticked, the browser does not send the form: nothing reaches Twilio.
  await page.getByRole('button', { name: 'Place call' }).click();
  await expect(page.getByText('No calls yet.')).toBeVisible();
  expect((await (await page.request.get('http://127.0.0.1:3101/_test/calls')).json()).length).toBe(before);
  await page.getByLabel('Call this demo order anyway').check();
  await page.getByRole('button', { name: 'Place call' }).click();
  await expect(page.locator('table.call-log [data-status]').first()).toHaveText('queued');
  expect((await (await page.request.get('http://127.0.0.1:3101/_test/calls')).json()).length).toBe(before + 1);
});
