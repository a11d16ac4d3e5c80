// With a Twilio account configured (06-settings filled it in; the account is fake-twilio.ts on
// loopback, which stands in for api.twilio.com), the sandbox is off: a demo order needs a
// confirmation before it is called, and Twilio's refusal is shown in plain words. Turning Twilio
// off brings the sandbox back for the specs after this one.
import { test, expect } from './fixtures';
import { ADMIN, ORIGIN, STAFF, goto, hydrated, signIn } from './helpers';
import { AUTH_TOKEN } from '../fake-twilio';

const FAKE_TWILIO = 'http://127.0.0.1:3101';

test.beforeAll(async ({ browser }) => {
  // The settings spec left a wrong token (to show Twilio's 20003); put the right one back.
  const admin = await browser.newPage();
  await signIn(admin, ADMIN.email, ADMIN.password);
  const saved = await admin.request.post('/api/settings/save', { headers: ORIGIN, form: { key: 'twilio_auth_token', value: AUTH_TOKEN } });
  expect(saved.status()).toBe(200);
  await admin.close();
});

test('a configured Twilio account turns the sandbox off; a demo order is called only after ticking the confirmation', async ({ page }) => {
  await signIn(page, STAFF.email, STAFF.password);
  await expect(page.locator('header .badge.sandbox')).toHaveCount(0);
  await goto(page, '/orders?q=D-1002');
  await page.getByRole('link', { name: 'D-1002' }).click();
  await hydrated(page);
  await page.getByRole('button', { name: 'Call', exact: true }).click();
  await expect(page.getByText('This is a demo order')).toBeVisible();
  const calls = async () => (await (await page.request.get(`${FAKE_TWILIO}/_test/calls`)).json()).length;
  const before = await calls();
  // Unticked, the browser does not send the form: nothing reaches Twilio.
  await page.getByRole('button', { name: 'Place call' }).click();
  await expect(page.getByText('No calls yet.')).toBeVisible();
  expect(await calls()).toBe(before);
  await page.getByLabel('Call this demo order anyway').check();
  await page.getByRole('button', { name: 'Place call' }).click();
  await expect(page.locator('table.call-log [data-status]').first()).toHaveText('queued');
  expect(await calls()).toBe(before + 1);
  await expect(page.locator('table.call-log .badge.sandbox')).toHaveCount(0);
});

test('a number Twilio refuses shows Twilio\'s reason once, in the call log', async ({ page }) => {
  await signIn(page, STAFF.email, STAFF.password);
  const created = await page.request.post('/api/orders/save', {
    headers: ORIGIN,
    form: {
      'input[number]': 'REFUSED-1', 'input[customer_name]': 'Émile Zola', 'input[customer_phone]': '06 12 34 56 99',
      'input[delivery_address]': '21 bis rue de Bruxelles, Paris', 'input[items]': '1 x Regina @ 13.50',
    },
  });
  expect(created.status()).toBe(200);
  await goto(page, `/orders/${(await created.json()).id}`);
  await page.getByRole('button', { name: 'Call', exact: true }).click();
  await page.getByRole('button', { name: 'Place call' }).click();
  await expect(page.locator('table.call-log [data-status]').first()).toHaveText('failed');
  await expect(page.locator('table.call-log td.failure').first()).toContainText('the number called is not a valid phone number');
  await expect(page.getByText('not a valid phone number')).toHaveCount(1);
});

test('turning Twilio off brings the sandbox back', async ({ page }) => {
  await signIn(page, ADMIN.email, ADMIN.password);
  await goto(page, '/admin/settings');
  const twilio = page.locator('#section-twilio');
  await twilio.getByLabel('Enable Twilio').uncheck();
  await expect(twilio.getByText('Saved')).toBeVisible();
  await page.reload();
  await hydrated(page);
  await expect(page.locator('header .badge.sandbox')).toHaveText('Sandbox');
});
