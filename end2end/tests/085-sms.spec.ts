// Texts in the browser against the fake Twilio: one text from an order with its status arriving
// live, a bulk send to three orders (one opted out by a STOP reply, skipped with its reason), and
// a reply appearing on its order. Status callbacks and replies are posted here, signed as Twilio
// signs them.
import { test, expect } from './fixtures';
import type { APIRequestContext } from '@playwright/test';
import * as crypto from 'node:crypto';
import { ADMIN, STAFF, goto, signIn } from './helpers';

const BASE = 'http://127.0.0.1:3100';
const TOKEN = 'fedcba9876543210fedcba9876543210';
const ORIGIN = { Origin: BASE };

function sign(url: string, params: [string, string][]): string {
  const sorted = [...params].sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
  return crypto.createHmac('sha1', TOKEN).update(url + sorted.map(([k, v]) => k + v).join(''), 'utf8').digest('base64');
}

async function signedPost(request: APIRequestContext, url: string, params: [string, string][]) {
  return request.post(url, {
    headers: { 'X-Twilio-Signature': sign(url, params), 'Content-Type': 'application/x-www-form-urlencoded' },
    data: new URLSearchParams(params).toString(),
  });
}

async function smsStatus(request: APIRequestContext, orderId: number, sid: string, status: string) {
  const response = await signedPost(request, `${BASE}/api/v1/orders/${orderId}/twilio-sms-status`, [
    ['AccountSid', 'AC0123456789abcdef0123456789abcdef'], ['MessageSid', sid], ['SmsSid', sid],
    ['MessageStatus', status], ['SmsStatus', status], ['ApiVersion', '2010-04-01'],
  ]);
  expect(response.status()).toBe(204);
}

async function inbound(request: APIRequestContext, sid: string, from: string, body: string) {
  const response = await signedPost(request, `${BASE}/api/v1/twilio/sms-inbound`, [
    ['AccountSid', 'AC0123456789abcdef0123456789abcdef'], ['MessageSid', sid], ['From', from],
    ['To', '+15005550006'], ['Body', body], ['NumMedia', '0'],
  ]);
  expect(response.status()).toBe(200);
  expect(await response.text()).toContain('<Response/>');
}

async function createOrder(request: APIRequestContext, number: string, phone: string): Promise<number> {
  const response = await request.post('/api/orders/save', {
    headers: ORIGIN,
    form: {
      'input[number]': number, 'input[customer_name]': 'George Sand', 'input[customer_phone]': phone,
      'input[delivery_address]': '3 rue Racine, Paris', 'input[items]': '1 x Calzone @ 14.00',
    },
  });
  expect(response.status()).toBe(200);
  return (await response.json()).id;
}

async function lastMessageSid(request: APIRequestContext, to: string): Promise<string> {
  let sid = '';
  await expect.poll(async () => {
    const messages: { sid: string; to: string }[] = await (await request.get('http://127.0.0.1:3101/_test/messages')).json();
    sid = messages.filter((m) => m.to === to).pop()?.sid ?? '';
    return sid;
  }).not.toBe('');
  return sid;
}

test('staff text a customer from the order and see "delivered" arrive live', async ({ page }) => {
  await signIn(page, ADMIN.email, ADMIN.password);
  const orderId = await createOrder(page.request, 'SMS-1', '06 12 34 50 01');
  await goto(page, `/orders/${orderId}`);
  await page.getByRole('button', { name: 'SMS', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Send a text' });
  await expect(dialog).toBeVisible();
  // The default template, rendered for this order.
  const message = dialog.getByLabel('Message');
  await expect(message).toHaveValue(/George Sand.*SMS-1/s);
  await message.fill('Bonjour, votre livreur arrive. Merci !');
  await expect(dialog.locator('.sms-counter')).toHaveText('38 characters · GSM-7 · 1 segment');
  await message.fill('Votre commande arrive 🚚');
  await expect(dialog.locator('.sms-counter')).toContainText('UCS-2 (because of 🚚)');
  await message.fill('Bonjour, votre livreur arrive.');
  await dialog.getByRole('button', { name: 'Send' }).click();
  await expect(dialog).toBeHidden();
  const status = page.locator('.texts-timeline [data-status]').first();
  await expect(status).toHaveText(/pending|queued/);
  const sid = await lastMessageSid(page.request, '+33612345001');
  await expect(status).toHaveText('queued');
  await smsStatus(page.request, orderId, sid, 'sent');
  await smsStatus(page.request, orderId, sid, 'delivered');
  await expect(status).toHaveText('delivered');
  // A late "sent" does not move it back; the page shows the same after a reload.
  await smsStatus(page.request, orderId, sid, 'sent');
  await page.reload();
  await expect(page.locator('.texts-timeline [data-status]').first()).toHaveText('delivered');
});

test('a bulk send texts each order, skipping an opted-out number with its reason', async ({ page }) => {
  await signIn(page, STAFF.email, STAFF.password);
  await createOrder(page.request, 'BULK-1', '06 12 34 50 11');
  await createOrder(page.request, 'BULK-2', '06 12 34 50 12');
  await createOrder(page.request, 'BULK-3', '06 12 34 50 13');
  await inbound(page.request, 'SM00000000000000000000000000e2e001', '+33612345013', ' STOP ');
  await goto(page, '/orders?q=BULK-');
  await page.getByLabel('Select all 3 matching orders').check();
  await page.getByRole('button', { name: /Send SMS/ }).click();
  const dialog = page.getByRole('dialog', { name: 'Send texts to many orders' });
  await expect(dialog.locator('.bulk-count')).toHaveText('2 texts will be sent.');
  await expect(dialog.locator('.skipped')).toContainText('BULK-3');
  await expect(dialog.locator('.skipped')).toContainText('opted out');
  await dialog.getByRole('button', { name: 'Send 2 texts' }).click();
  await expect(dialog.locator('.bulk-progress')).toContainText('2 of 2 handled: 2 sent');
  // Closed, the orders list keeps showing how the bulk send went.
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.locator('.bulk-status .bulk-progress')).toContainText('2 of 2 handled');
  for (const [number, phone] of [['BULK-1', '+33612345011'], ['BULK-2', '+33612345012']]) {
    const messages: { to: string; body: string }[] = await (await page.request.get('http://127.0.0.1:3101/_test/messages')).json();
    expect(messages.find((m) => m.to === phone)?.body).toContain(number);
  }
  // Each order shows its own text and status; the skipped one has none.
  const orderPage = async (number: string) => {
    await goto(page, `/orders?q=${number}`);
    await page.getByRole('link', { name: number, exact: true }).click();
    await expect(page.getByRole('heading', { name: `Order ${number}` })).toBeVisible();
  };
  await orderPage('BULK-1');
  await expect(page.locator('.texts-timeline .text-sent [data-status]')).toHaveText('queued');
  await expect(page.locator('.texts-timeline .text-sent .body')).toContainText('BULK-1');
  await orderPage('BULK-2');
  await expect(page.locator('.texts-timeline .text-sent [data-status]')).toHaveText('queued');
  await orderPage('BULK-3');
  await expect(page.locator('.texts-timeline .text-sent')).toHaveCount(0);
  await expect(page.locator('.texts-timeline .text-reply')).toContainText('STOP');
});

test('a reply appears live on the order of its number', async ({ page }) => {
  await signIn(page, STAFF.email, STAFF.password);
  const orderId = await createOrder(page.request, 'REPLY-1', '06 12 34 50 21');
  await goto(page, `/orders/${orderId}`);
  await expect(page.getByText('No calls or texts yet.')).toBeVisible();
  await inbound(page.request, 'SM00000000000000000000000000e2e002', '+33612345021', 'Je suis absent, laissez-le au voisin');
  await expect(page.locator('.texts-timeline .text-reply')).toContainText('laissez-le au voisin');
  // The header counts it until its order is opened again.
  await expect(page.locator('.unread-replies')).toHaveText('1 unread reply');
  await page.reload();
  await expect(page.locator('.texts-timeline .text-reply')).toContainText('laissez-le au voisin');
  await expect(page.locator('.unread-replies')).toHaveCount(0);
});
