import { test, expect } from './fixtures';
import { ADMIN, STAFF, goto, signIn } from './helpers';

test('an admin creates a staff account; staff cannot open admin pages', async ({ page }) => {
  await signIn(page, ADMIN.email, ADMIN.password);
  await page.getByRole('link', { name: 'Users' }).click();
  await expect(page.getByRole('heading', { name: 'Users' })).toBeVisible();
  const form = page.locator('form.inline-form');
  await form.getByLabel('Name').fill(STAFF.name);
  await form.getByLabel('Email').fill(STAFF.email);
  await form.getByLabel('Password').fill(STAFF.password);
  await form.getByRole('button', { name: 'Create user' }).click();
  await expect(page.locator('table.users')).toContainText(STAFF.email);
  // Confirmed, and the form is empty for the next one.
  await expect(page.getByRole('status')).toContainText(`${STAFF.name} (${STAFF.email}) can now sign in as staff.`);
  await expect(form.getByLabel('Email')).toHaveValue('');
  await expect(form.getByLabel('Password')).toHaveValue('');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);

  await signIn(page, STAFF.email, STAFF.password);
  await expect(page.getByRole('link', { name: 'Orders' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Users' })).toHaveCount(0);
  const response = await page.goto('/admin/users');
  expect(response?.status()).toBe(403);
  await expect(page.getByRole('heading', { name: 'Admins only' })).toBeVisible();
  // The page explains; it does not offer a form the server would refuse.
  await expect(page.locator('main form')).toHaveCount(0);
  const tokens = await page.goto('/admin/api-tokens');
  expect(tokens?.status()).toBe(403);
  await expect(page.getByRole('heading', { name: 'Admins only' })).toBeVisible();
  await expect(page.locator('main form')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Create token' })).toHaveCount(0);
});

test('an admin creates an API token, copies it once, and revokes it after confirming', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await signIn(page, ADMIN.email, ADMIN.password);
  await goto(page, '/admin/api-tokens');
  await expect(page.locator('pre.example')).toContainText('"customer_phone"');
  await expect(page.locator('pre.example')).toContainText('http://127.0.0.1:3100/api/v1/orders');
  await page.getByLabel('Name').fill('Shop');
  await page.getByRole('button', { name: 'Create token' }).click();
  const token = (await page.locator('code.secret').textContent())!.trim();
  expect(token).toMatch(/^ol_/);
  await expect(page.getByLabel('Name')).toHaveValue('');
  await page.getByRole('button', { name: 'Copy' }).click();
  await expect(page.getByRole('button', { name: 'Copied' })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);

  const row = page.locator('tr', { hasText: 'Shop' });
  page.once('dialog', (dialog) => dialog.dismiss());
  await row.getByRole('button', { name: 'Revoke' }).click();
  await expect(row.getByRole('button', { name: 'Revoke' })).toBeVisible();
  page.once('dialog', (dialog) => dialog.accept());
  await row.getByRole('button', { name: 'Revoke' }).click();
  await expect(row).toContainText('revoked');
});
