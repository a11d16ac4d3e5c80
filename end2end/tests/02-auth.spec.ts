import { test, expect } from './fixtures';
import { ADMIN, goto, signIn } from './helpers';

test('a wrong password is refused with a clear message', async ({ page }) => {
  await goto(page, '/login');
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('wrong email or password');
  await expect(page).toHaveURL(/\/login$/);
});

test('signing in and out', async ({ page }) => {
  await goto(page, '/orders');
  await expect(page).toHaveURL(/\/login$/);
  await signIn(page, ADMIN.email, ADMIN.password);
  await expect(page.getByRole('heading', { name: 'Orders' })).toBeVisible();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await goto(page, '/orders');
  await expect(page).toHaveURL(/\/login$/);
});
