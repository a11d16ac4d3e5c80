// Texts in the browser, carried by the sandbox: one text from an order with its statuses arriving
// live through the sandbox's signed status callbacks, a bulk send to three orders (one opted out by
// a STOP typed on the softphone, skipped with its reason), and a reply typed on the softphone
// appearing live on its order (the sandbox posts it, signed, to the inbound webhook).
import { test, expect } from './fixtures';
import type { Page } from '@playwright/test';
import { ADMIN, STAFF, createOrder, goto, signIn, softphone } from './helpers';

/** Types a text on the softphone and waits until it shows as sent. */
async function reply(phone: Page, body: string) {
  await phone.getByLabel('Reply').fill(body);
  await phone.getByRole('button', { name: 'Send text' }).click();
  await expect(phone.getByTestId('inbox').locator('.text.out .body').last()).toHaveText(body.trim());
}

test('staff text a customer from the order and see "delivered" arrive live', async ({ page }) => {
  await signIn(page, ADMIN.email, ADMIN.password);
  const orderId = await createOrder(page.request, 'SMS-1', '06 12 34 50 01', 'George Sand');
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
  await expect(status).toHaveText('delivered');
  await expect(page.locator('.texts-timeline .text-sent .badge.sandbox')).toHaveText('Sandbox');
  // The phone got it; the page shows the same after a reload.
  const phone = await softphone(page, '+33612345001');
  await expect(phone.getByTestId('inbox').locator('.text.in .body')).toHaveText('Bonjour, votre livreur arrive.');
  await phone.close();
  await page.reload();
  await expect(page.locator('.texts-timeline [data-status]').first()).toHaveText('delivered');
});

test('a text to a number that cannot receive it ends undelivered, with the reason', async ({ page }) => {
  await signIn(page, STAFF.email, STAFF.password);
  // The sandbox's failure numbers (listed on the softphone page): ending in 1111 is a landline.
  const orderId = await createOrder(page.request, 'SMS-2', '01 42 00 11 11', 'George Sand');
  await goto(page, `/orders/${orderId}`);
  await page.getByRole('button', { name: 'SMS', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Send a text' });
  await dialog.getByLabel('Message').fill('Bonjour, votre livreur arrive.');
  await dialog.getByRole('button', { name: 'Send' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.locator('.texts-timeline [data-status]').first()).toHaveText('undelivered');
  await expect(page.locator('.texts-timeline .text-sent')).toContainText(/landline|30006/i);
});

test('a bulk send texts each order, skipping an opted-out number with its reason', async ({ page }) => {
  await signIn(page, STAFF.email, STAFF.password);
  await createOrder(page.request, 'BULK-1', '06 12 34 50 11', 'George Sand');
  await createOrder(page.request, 'BULK-2', '06 12 34 50 12', 'George Sand');
  await createOrder(page.request, 'BULK-3', '06 12 34 50 13', 'George Sand');
  const opted = await softphone(page, '+33612345013');
  await reply(opted, 'STOP');
  await opted.close();
  await goto(page, '/orders?q=BULK-');
  await page.getByLabel('Select all 3 matching orders').check();
  await page.getByRole('button', { name: /Send SMS/ }).click();
  const dialog = page.getByRole('dialog', { name: 'Send texts to many orders' });
  await expect(dialog.locator('.bulk-count')).toHaveText('2 texts will be sent.');
  await expect(dialog.locator('.skipped')).toContainText('BULK-3');
  await expect(dialog.locator('.skipped')).toContainText('opted out');
  await dialog.getByRole('button', { name: 'Send 2 texts' }).click();
  // The sandbox answers fast: by now each text is sent or already delivered, none failed.
  await expect(dialog.locator('.bulk-progress')).toContainText('2 of 2 handled');
  await expect(dialog.locator('.bulk-progress')).toContainText('0 failed');
  // Closed, the orders list keeps showing how the bulk send went.
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.locator('.bulk-status .bulk-progress')).toContainText('2 of 2 handled');
  // Each order shows its own text and status; the skipped one has none.
  const orderPage = async (number: string) => {
    await goto(page, `/orders?q=${number}`);
    await page.getByRole('link', { name: number, exact: true }).click();
    await expect(page.getByRole('heading', { name: `Order ${number}` })).toBeVisible();
  };
  await orderPage('BULK-1');
  await expect(page.locator('.texts-timeline .text-sent [data-status]')).toHaveText('delivered');
  await expect(page.locator('.texts-timeline .text-sent .body')).toContainText('BULK-1');
  await orderPage('BULK-2');
  await expect(page.locator('.texts-timeline .text-sent [data-status]')).toHaveText('delivered');
  await expect(page.locator('.texts-timeline .text-sent .body')).toContainText('BULK-2');
  await orderPage('BULK-3');
  await expect(page.locator('.texts-timeline .text-sent')).toHaveCount(0);
  await expect(page.locator('.texts-timeline .text-reply')).toContainText('STOP');
});

test('a reply appears live on the order of its number, and the header counts replies not yet read', async ({ page }) => {
  await signIn(page, STAFF.email, STAFF.password);
  const orderId = await createOrder(page.request, 'REPLY-1', '06 12 34 50 21', 'George Sand');
  await goto(page, `/orders/${orderId}`);
  await expect(page.getByText('No calls or texts yet.')).toBeVisible();
  const phone = await softphone(page, '+33612345021');
  await reply(phone, 'Je suis absent, laissez-le au voisin');
  // On the open order it appears live (and is read there).
  await expect(page.locator('.texts-timeline .text-reply')).toContainText('laissez-le au voisin');
  // Elsewhere, the header counts the next one until its order is opened.
  await goto(page, '/orders');
  await reply(phone, 'Code de la porte 1234');
  await expect(page.locator('.unread-replies')).toHaveText('1 unread reply');
  await phone.close();
  await goto(page, `/orders/${orderId}`);
  await expect(page.locator('.texts-timeline .text-reply').last()).toContainText(/Code de la porte 1234|laissez-le au voisin/);
  await expect(page.locator('.texts-timeline')).toContainText('Code de la porte 1234');
  await expect(page.locator('.unread-replies')).toHaveCount(0);
});
