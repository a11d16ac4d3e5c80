import { expect, type APIRequestContext, type Page } from '@playwright/test';

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

export const ORIGIN = { Origin: 'http://127.0.0.1:3100' };

/** Creates an order through the JSON API as the signed-in user; returns its id. */
export async function createOrder(request: APIRequestContext, number: string, phone: string, customer = 'Louise Michel'): Promise<number> {
  const response = await request.post('/api/orders/save', {
    headers: ORIGIN,
    form: {
      'input[number]': number, 'input[customer_name]': customer, 'input[customer_phone]': phone,
      'input[delivery_address]': '12 rue des Martyrs, Paris', 'input[items]': '2 x Galette @ 9.50',
    },
  });
  expect(response.status()).toBe(200);
  return (await response.json()).id;
}

/** Opens the sandbox's softphone in a new tab of `page`'s browser as `number`, waiting for calls. */
export async function softphone(page: Page, number: string): Promise<Page> {
  const phone = await page.context().newPage();
  await goto(phone, '/sandbox/phone');
  await phone.getByLabel('Phone number').fill(number);
  await phone.getByRole('button', { name: 'Use this number' }).click();
  await expect(phone.getByTestId('line-status')).toHaveText(/: waiting for calls\.$/);
  return phone;
}
