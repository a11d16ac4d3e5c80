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
