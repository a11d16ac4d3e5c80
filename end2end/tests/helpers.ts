import { expect, type Page } from '@playwright/test';

export const ADMIN = { name: 'Ada Admin', email: 'ada@example.com', password: 'admin-password-1' };
export const STAFF = { name: 'Sam Staff', email: 'sam@example.com', password: 'staff-password-1' };

/** Waits until the wasm app has hydrated the server-rendered page (buttons are live). */
export async function hydrated(page: Page) {
  await page.waitForSelector('body[data-hydrated="true"]');
}

export async function goto(page: Page, url: string) {
  await page.goto(url);
  await hydrated(page);
}

export async function signIn(page: Page, email: string, password: string) {
  await goto(page, '/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
  await expect(page).toHaveURL(/\/orders$/);
  await hydrated(page);
}
