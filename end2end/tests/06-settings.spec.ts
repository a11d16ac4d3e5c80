import { test, expect } from './fixtures';
import type { Page } from '@playwright/test';
import { ADMIN, STAFF, goto, hydrated, signIn } from './helpers';

const SID = 'AC0123456789abcdef0123456789abcdef';
const TOKEN = 'fedcba9876543210fedcba9876543210';

function twilio(page: Page) {
  return page.locator('#section-twilio');
}

async function fillAndLeave(page: Page, label: string, value: string) {
  const field = twilio(page).getByLabel(label, { exact: true });
  await field.fill(value);
  await field.press('Tab');
}

test('an admin fills the Twilio section; values autosave and persist, the token stays masked', async ({ page }) => {
  await signIn(page, ADMIN.email, ADMIN.password);
  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByRole('heading', { name: 'Settings › Connections' })).toBeVisible();
  await hydrated(page);

  await twilio(page).getByLabel('Enable Twilio').check();
  await expect(twilio(page).getByText('Saved')).toBeVisible();
  await fillAndLeave(page, 'Account SID', SID);
  await expect(twilio(page).getByText('Saved')).toBeVisible();
  await fillAndLeave(page, 'Auth Token', TOKEN);
  await expect(twilio(page).getByText('set, ends in 3210')).toBeVisible();
  await fillAndLeave(page, 'Phone Number', '+15005550006');
  await expect(twilio(page).getByText('Saved')).toBeVisible();

  // An invalid number is refused with a message and not stored.
  await fillAndLeave(page, 'Phone Number', '0612');
  await expect(twilio(page).getByRole('alert')).toContainText('is not a valid phone number: write it as +33612345678 or 06 12 34 56 78');
  await expect(twilio(page).getByText(/Not saved/)).toBeVisible();
  await expect(twilio(page).getByLabel('Phone Number', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  // A national format is read as order forms read it, and shown back in E.164.
  await fillAndLeave(page, 'Phone Number', '06 12 34 56 78');
  await expect(twilio(page).getByText('Saved')).toBeVisible();
  await expect(twilio(page).getByLabel('Phone Number', { exact: true })).toHaveValue('+33612345678');
  await fillAndLeave(page, 'Phone Number', '+15005550006');
  await expect(twilio(page).getByText('Saved')).toBeVisible();

  await page.reload();
  await hydrated(page);
  await expect(twilio(page).getByLabel('Account SID', { exact: true })).toHaveValue(SID);
  await expect(twilio(page).getByLabel('Phone Number', { exact: true })).toHaveValue('+15005550006');
  await expect(twilio(page).getByLabel('Enable Twilio')).toBeChecked();
  await expect(twilio(page).getByText('set, ends in 3210')).toBeVisible();
  await expect(twilio(page).locator('input[type="password"]')).toHaveCount(0);
  expect(await page.content()).not.toContain(TOKEN);

  // Every change is in the audit log, without the secret.
  await expect(page.locator('table.audit')).toContainText('Twilio › Auth Token');
});

test('Settings opened directly and reloaded hydrates: the Changes list updates and the header navigates', async ({ page }) => {
  await signIn(page, ADMIN.email, ADMIN.password);
  await goto(page, '/admin/settings');
  await page.reload();
  await hydrated(page);
  const newest = page.locator('table.audit tbody tr').first();
  await expect(newest).not.toContainText('Agent › Business name');
  const name = page.locator('#section-agent').getByLabel('Business name', { exact: true });
  await name.fill('Chez Test');
  await name.press('Tab');
  await expect(page.locator('#section-agent').getByText('Saved')).toBeVisible();
  await expect(newest).toContainText('Agent › Business name');
  await page.locator('header.topbar').getByRole('link', { name: 'Orders' }).click();
  await expect(page).toHaveURL(/\/orders$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Orders' })).toBeVisible();
});

test('fields set by the environment are locked', async ({ page }) => {
  await signIn(page, ADMIN.email, ADMIN.password);
  await goto(page, '/admin/settings');
  const model = page.locator('#section-gemini-live').getByLabel('Model', { exact: true });
  await expect(model).toBeDisabled();
  await expect(model).toHaveValue('gemini-3.8-live');
  await expect(page.locator('#section-gemini-live').getByText('set by environment')).toBeVisible();
  await expect(twilio(page).getByLabel('Public base URL')).toBeDisabled();
  await expect(twilio(page)).toContainText('http://127.0.0.1:3100/api/v1/orders/{order_id}/twilio-voice');
});

test('Test connection checks the fake Twilio, says a loopback URL cannot serve Twilio, and shows Twilio\'s error for bad credentials', async ({ page }) => {
  await signIn(page, ADMIN.email, ADMIN.password);
  await goto(page, '/admin/settings');
  await twilio(page).getByRole('button', { name: 'Test connection' }).click();
  await expect(twilio(page)).toContainText('Orderline Test Account (active)');
  await expect(twilio(page)).toContainText('+15005550006 belongs to this account');
  // The test server's public URL is loopback http: reachable from here, never from Twilio.
  await expect(twilio(page)).toContainText('http://127.0.0.1:3100 reaches this server, but Twilio cannot');
  await expect(twilio(page)).toContainText('run a tunnel');
  await expect(twilio(page).getByText('Connection failed')).toBeVisible();

  await twilio(page).getByRole('button', { name: 'Replace' }).click();
  await fillAndLeave(page, 'Auth Token', '00000000000000000000000000000000');
  await expect(twilio(page).getByText('set, ends in 0000')).toBeVisible();
  await twilio(page).getByRole('button', { name: 'Test connection' }).click();
  await expect(twilio(page).getByText('Connection failed')).toBeVisible();
  await expect(twilio(page)).toContainText('Twilio error 20003: Authenticate');
});

test('staff cannot open the settings page', async ({ page }) => {
  await signIn(page, STAFF.email, STAFF.password);
  await expect(page.getByRole('link', { name: 'Settings' })).toHaveCount(0);
  const response = await page.goto('/admin/settings');
  expect(response?.status()).toBe(403);
  await expect(page.getByRole('heading', { name: 'Admins only' })).toBeVisible();
  // The page explains; it does not offer a form the server would refuse.
  await expect(page.locator('main form')).toHaveCount(0);
});
