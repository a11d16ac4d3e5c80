// The bridge with OpenAI Realtime, carried by the sandbox: the sandbox rings the softphone, fetches
// the signed voice webhook, opens the Media Stream to the bridge, and plays the softphone's fake
// microphone into it; the bridge talks with the fake OpenAI Realtime endpoint (fake-openai.ts, the
// GA events on loopback), which "transcribes" the caller, adds a note with a tool call and answers.
import { test, expect } from './fixtures';
import { ADMIN, ORIGIN, STAFF, goto, signIn, softphone } from './helpers';
import { AGENT_REPLY, CALLER_LINE, NOTE, OPENAI_KEY } from '../fake-openai';

test('a call talks with the OpenAI agent: the transcript appears live and the agent\'s note shows on the order', async ({ page, browser }) => {
  // Arrange as admin: the (fake) OpenAI key, and an order.
  const admin = await browser.newPage();
  await signIn(admin, ADMIN.email, ADMIN.password);
  const saved = await admin.request.post('/api/settings/save', { headers: ORIGIN, form: { key: 'openai_api_key', value: OPENAI_KEY } });
  expect(saved.status()).toBe(200);
  const created = await admin.request.post('/api/orders/save', {
    headers: ORIGIN,
    form: {
      'input[number]': 'BRIDGE-1', 'input[customer_name]': 'Colette Willy', 'input[customer_phone]': '06 12 34 56 70',
      'input[delivery_address]': '9 rue de Beaujolais, Paris', 'input[items]': '2 x Croissant @ 1.20',
    },
  });
  expect(created.status()).toBe(200);
  const orderId: number = (await created.json()).id;
  await admin.close();

  // The customer's phone, in another tab.
  await signIn(page, STAFF.email, STAFF.password);
  const phone = await softphone(page, '+33612345670');

  // Staff call with OpenAI Realtime; the customer answers.
  await goto(page, `/orders/${orderId}`);
  await page.getByRole('button', { name: 'Call', exact: true }).click();
  await page.getByLabel('Provider').selectOption('openai');
  await page.getByRole('button', { name: 'Place call' }).click();
  await expect(phone.getByTestId('line-status')).toHaveText(/Incoming call/);
  await phone.getByRole('button', { name: 'Answer' }).click();
  const status = page.locator('table.call-log [data-status]').first();
  await expect(status).toHaveText('in progress');

  // Assert: the transcript appears live, and the note the agent added shows on the order.
  const transcript = page.getByRole('region', { name: 'Transcript', exact: true }).first();
  await expect(transcript).toContainText('Bonjour, ici Orderline.');
  await expect(transcript).toContainText(CALLER_LINE);
  await expect(transcript).toContainText(AGENT_REPLY);
  await expect(page.locator('dd.notes, dt:has-text("Notes") + dd').first()).toContainText(NOTE);

  // The customer hangs up; after a reload the stored transcript is still there.
  await phone.getByRole('button', { name: 'Hang up' }).click();
  await expect(status).toHaveText('completed');
  await page.reload();
  await expect(page.getByRole('region', { name: 'Transcript', exact: true }).first()).toContainText(CALLER_LINE);
  await expect(page.locator('dd.notes, dt:has-text("Notes") + dd').first()).toContainText(NOTE);
  await expect(page.locator('table.call-log tbody tr').first()).toContainText('OpenAI');
  await phone.close();
});
