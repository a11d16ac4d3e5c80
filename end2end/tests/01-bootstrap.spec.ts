import { test, expect } from './fixtures';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ADMIN, goto } from './helpers';

test('the one-time setup link creates the first admin and signs them in', async ({ page }) => {
  const link = fs.readFileSync(path.join(__dirname, '..', '.tmp', 'setup-link.txt'), 'utf8').trim();
  await goto(page, link);
  await page.getByLabel('Name').fill(ADMIN.name);
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Create admin' }).click();
  await expect(page).toHaveURL(/\/orders$/);
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Users' })).toBeVisible();

  // The link is spent: a second visit says so.
  await goto(page, link);
  await expect(page.getByText('This setup link is not valid')).toBeVisible();
});
