// The sandbox in two tabs, with no Twilio account and no AI key (issue 12): staff press Call on an
// order, the softphone tab for the customer's number rings, answers with Chromium's fake
// microphone (the caller's turns written by global-setup.ts), the order page shows the call and
// its transcript live, and hanging up ends the call. Then a text reaches the softphone's inbox, the
// phone replies STOP, and the next text is refused. This spec runs before Settings configure the
// fake Twilio (06-settings), while the sandbox stands in for Twilio.
import { test, expect } from './fixtures';
import { ADMIN, createOrder, goto, signIn, softphone } from './helpers';

test('a call from an order rings the softphone, the demo agent talks, and hanging up ends it', async ({ page }) => {
  await signIn(page, ADMIN.email, ADMIN.password);
  await expect(page.locator('header .badge.sandbox')).toHaveText('Sandbox');
  const orderId = await createOrder(page.request, 'SANDBOX-1', '+33612349001');
  const phone = await softphone(page, '+33612349001');

  await goto(page, `/orders/${orderId}`);
  await page.getByRole('button', { name: 'Call', exact: true }).click();
  await expect(page.locator('.sandbox-hint')).toContainText('rings the softphone');
  await expect(page.getByLabel('Provider')).toHaveValue('demo');
  await page.getByRole('button', { name: 'Place call' }).click();

  await expect(phone.getByTestId('line-status')).toHaveText(/Incoming call from \+1 \d{3} \d{3} \d{4}/);
  await expect(page.locator('table.call-log [data-status]').first()).toHaveText('ringing');
  await phone.getByRole('button', { name: 'Answer' }).click();
  await expect(phone.getByTestId('line-status')).toHaveText('On a call');
  await expect(page.locator('table.call-log [data-status]').first()).toHaveText('in progress');
  // The fake microphone's first turn is heard and answered: both sides appear live.
  const transcript = page.getByRole('region', { name: 'Transcript', exact: true }).first();
  await expect(transcript).toContainText(/caller: \d\.\d s of speech|appelant : \d,\d s de parole/, { timeout: 20_000 });
  await phone.getByRole('button', { name: 'Hang up' }).click();
  await expect(phone.locator('.caption')).toContainText('Call ended');
  await expect(page.locator('table.call-log [data-status]').first()).toHaveText('completed');
  await expect(page.locator('table.call-log .badge.sandbox').first()).toHaveText('Sandbox');
  await phone.reload();
  await expect(phone.getByRole('heading', { name: /Softphone/ })).toBeVisible();
});

test('a text reaches the softphone, a STOP reply opts the number out, and the next text is refused', async ({ page }) => {
  await signIn(page, ADMIN.email, ADMIN.password);
  const orderId = await createOrder(page.request, 'SANDBOX-2', '+33612349002');
  const phone = await softphone(page, '+33612349002');

  await goto(page, `/orders/${orderId}`);
  await page.getByRole('button', { name: 'SMS', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Send a text' });
  await dialog.getByLabel('Message').fill('Bonjour, votre livreur arrive.');
  await dialog.getByRole('button', { name: 'Send' }).click();
  await expect(dialog).toBeHidden();
  const inbox = phone.getByTestId('inbox');
  await expect(inbox.locator('.text.in .body')).toHaveText('Bonjour, votre livreur arrive.');
  await expect(page.locator('.texts-timeline [data-status]').first()).toHaveText('delivered');

  await phone.getByLabel('Reply').fill('STOP');
  await phone.getByRole('button', { name: 'Send text' }).click();
  await expect(inbox.locator('.text.out .body')).toHaveText('STOP');
  await expect(page.locator('.texts-timeline .text-reply')).toContainText('STOP');
  // Opening the order again reads the reply (the header's unread count goes back to zero).
  await page.reload();
  await expect(page.locator('.unread-replies')).toHaveCount(0);
  await expect(page.locator('.texts-timeline .text-sent .badge.sandbox')).toHaveText('Sandbox');

  await page.getByRole('button', { name: 'SMS', exact: true }).click();
  await dialog.getByLabel('Message').fill('Encore un message');
  await dialog.getByRole('button', { name: 'Send' }).click();
  await expect(dialog.getByRole('alert')).toContainText(/opted out|STOP/);
});
