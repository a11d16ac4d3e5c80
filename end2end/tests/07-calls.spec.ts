// Calls from the order page, carried by the sandbox (the Twilio emulation built into the server):
// every status below reaches the order page through the sandbox's signed status callbacks, as it
// would from Twilio. The settings spec (06) configured a Twilio account and 065 turned it off
// again, so the sandbox stands in for Twilio here.
import { test, expect } from './fixtures';
import type { Page } from '@playwright/test';
import { STAFF, createOrder, goto, hydrated, signIn, softphone } from './helpers';

async function placeCall(page: Page) {
  await page.getByRole('button', { name: 'Call', exact: true }).click();
  await page.getByLabel('Purpose').fill('confirm the delivery time');
  await page.getByRole('button', { name: 'Place call' }).click();
}

test('staff watch a call\'s status change live: declined is busy, answered is in progress, Hang up completes it', async ({ page }) => {
  await signIn(page, STAFF.email, STAFF.password);
  const orderId = await createOrder(page.request, 'CALL-1', '06 12 34 56 78');
  const phone = await softphone(page, '+33612345678');
  await goto(page, `/orders/${orderId}`);
  await expect(page.locator('header .badge.sandbox')).toHaveText('Sandbox');

  // Declined on the phone: Twilio reports busy.
  await placeCall(page);
  const status = page.locator('table.call-log [data-status]').first();
  await expect(status).toHaveText('ringing');
  await expect(phone.getByTestId('line-status')).toHaveText(/Incoming call/);
  await phone.getByRole('button', { name: 'Decline' }).click();
  await expect(status).toHaveText('busy');
  await expect(page.locator('table.call-log tbody tr')).toHaveCount(1);

  // Answered, then hung up from the order page.
  await placeCall(page);
  await expect(page.locator('table.call-log tbody tr')).toHaveCount(2);
  await expect(status).toHaveText('ringing');
  await phone.getByRole('button', { name: 'Answer' }).click();
  await expect(status).toHaveText('in progress');
  await expect(phone.getByTestId('line-status')).toHaveText('On a call');
  // Let the call last a second or more, so Twilio's CallDuration is not zero.
  await page.waitForTimeout(1_500);
  await page.locator('table.call-log').getByRole('button', { name: 'Hang up' }).click();
  await expect(status).toHaveText('completed');
  await expect(page.locator('table.call-log td.duration').first()).toHaveText(/^[1-9]\d* s$/);
  await expect(phone.locator('.caption')).toContainText('Call ended');
  await expect(page.locator('table.call-log tbody tr').nth(1).locator('[data-status]')).toHaveText('busy');

  // After a reload the page shows the same, from the database.
  await page.reload();
  await hydrated(page);
  await expect(page.locator('table.call-log [data-status]').first()).toHaveText('completed');

  // Only the answered call makes a contact.
  const other = await createOrder(page.request, 'CALL-2', '06 12 34 56 79');
  expect(other).toBeGreaterThan(orderId);
  await goto(page, '/orders?q=CALL-');
  const lastContact = (number: string) => page.locator('table.orders tbody tr', { hasText: number }).locator('td').nth(7);
  await expect(lastContact('CALL-1')).not.toHaveText('—');
  await expect(lastContact('CALL-2')).toHaveText('—');
  await phone.close();
});

test('a call nobody picks up can be canceled while it rings, and the softphone stops ringing', async ({ page }) => {
  await signIn(page, STAFF.email, STAFF.password);
  const orderId = await createOrder(page.request, 'CALL-3', '06 12 34 56 80');
  const phone = await softphone(page, '+33612345680');
  await goto(page, `/orders/${orderId}`);
  await placeCall(page);
  const status = page.locator('table.call-log [data-status]').first();
  await expect(status).toHaveText('ringing');
  await expect(phone.getByRole('button', { name: 'Answer' })).toBeEnabled();
  await page.locator('table.call-log').getByRole('button', { name: 'Cancel' }).click();
  await expect(status).toHaveText('canceled');
  await expect(phone.getByRole('button', { name: 'Answer' })).toBeDisabled();
  await phone.close();
});

test('in the sandbox a demo order rings the softphone with no confirmation to tick', async ({ page }) => {
  await signIn(page, STAFF.email, STAFF.password);
  // Demo orders were loaded at first start (the sandbox's empty database).
  await goto(page, '/orders?q=D-1001');
  const row = page.locator('table.orders tbody tr', { hasText: 'D-1001' });
  await expect(row.locator('.badge.demo')).toHaveText('Demo');
  await expect(row.locator('td.phone')).toHaveText(/^\+33 6 39 98 \d{2} \d{2}$/);
  await row.getByRole('link', { name: 'D-1001' }).click();
  await hydrated(page);
  await expect(page.locator('h1 .badge.demo')).toHaveText('Demo');
  await page.getByRole('button', { name: 'Call', exact: true }).click();
  await expect(page.locator('.sandbox-hint')).toContainText('rings the softphone');
  await expect(page.getByLabel('Call this demo order anyway')).toHaveCount(0);
  await page.getByRole('button', { name: 'Place call' }).click();
  const status = page.locator('table.call-log [data-status]').first();
  // Nobody has the softphone open on this number: it rings until canceled.
  await expect(status).toHaveText('ringing');
  await page.locator('table.call-log').getByRole('button', { name: 'Cancel' }).click();
  await expect(status).toHaveText('canceled');
});
