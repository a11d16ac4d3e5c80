import { test, expect } from './fixtures';
import type { Page } from '@playwright/test';
import { ADMIN, STAFF, goto, hydrated, signIn } from './helpers';

// Every page, as an admin and as staff: opened directly, reloaded once, and reached through the
// links people click. The shared fixture fails the test on any console or page error (a hydration
// error included), so each visit below also checks that the page hydrated cleanly.

type Visit = { path: string; heading: RegExp; title: RegExp; status?: number };

async function firstOrder(page: Page): Promise<{ id: string; number: string }> {
  await goto(page, '/orders');
  const link = page.locator('table.orders tbody tr td a').first();
  const href = (await link.getAttribute('href'))!;
  return { id: href.split('/').pop()!, number: (await link.textContent())!.trim() };
}

function pagesFor(order: { id: string; number: string }, admin: boolean): Visit[] {
  const adminPage = (path: string, heading: RegExp, title: RegExp): Visit =>
    admin ? { path, heading, title } : { path, heading: /Admins only/, title: /^Admins only · Orderline$/, status: 403 };
  return [
    { path: '/orders', heading: /^Orders$/, title: /^Orders · Orderline$/ },
    { path: '/orders/new', heading: /^New order$/, title: /^New order · Orderline$/ },
    { path: '/orders/import', heading: /Import orders from CSV/, title: /^Import orders · Orderline$/ },
    { path: `/orders/${order.id}`, heading: new RegExp(`Order ${order.number}`), title: new RegExp(`^Order ${order.number} · Orderline$`) },
    { path: `/orders/${order.id}/edit`, heading: /Edit order/, title: /^Edit order .* · Orderline$/ },
    adminPage('/admin/users', /^Users$/, /^Users · Orderline$/),
    adminPage('/admin/api-tokens', /^API tokens$/, /^API tokens · Orderline$/),
    adminPage('/admin/settings', /Settings › Connections/, /^Settings · Orderline$/),
    { path: '/sandbox/phone', heading: /^Softphone/, title: /^Softphone · Orderline$/ },
    { path: '/no-such-page', heading: /Page not found/, title: /^Page not found · Orderline$/, status: 404 },
  ];
}

async function visitDirectlyAndReload(page: Page, visit: Visit) {
  const response = await page.goto(visit.path);
  expect(response?.status(), visit.path).toBe(visit.status ?? 200);
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1, name: visit.heading })).toBeVisible();
  await expect(page).toHaveTitle(visit.title);
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1, name: visit.heading })).toBeVisible();
  // The header still navigates after a direct load (a failed hydration leaves it dead).
  await page.locator('header.topbar').getByRole('link', { name: 'Orders' }).click();
  await expect(page).toHaveURL(/\/orders$/);
  await expect(page.getByRole('heading', { level: 1, name: /^Orders$/ })).toBeVisible();
}

for (const who of [
  { role: 'admin', user: ADMIN, admin: true },
  { role: 'staff', user: STAFF, admin: false },
]) {
  test(`every page loads directly, reloads and navigates cleanly (${who.role})`, async ({ page }) => {
    await signIn(page, who.user.email, who.user.password);
    const order = await firstOrder(page);
    await expect(page.locator('footer.page-foot')).toHaveText(/^Times in [A-Za-z_\/]+ · amounts in EUR$/);
    // Twilio is not set up yet: the sandbox stands in (the header says so, and the Call dialog
    // says the call rings the softphone).
    await goto(page, `/orders/${order.id}`);
    await expect(page.locator('header .badge.sandbox')).toHaveAttribute('href', '/sandbox/phone');
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    await expect(page.locator('.sandbox-hint')).toContainText('rings the softphone');
    for (const visit of pagesFor(order, who.admin)) {
      await visitDirectlyAndReload(page, visit);
    }

    // The same pages through the links people click.
    await goto(page, '/orders');
    await page.getByRole('link', { name: 'New order' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'New order' })).toBeVisible();
    await page.getByRole('link', { name: 'Cancel' }).click();
    await expect(page).toHaveURL(/\/orders$/);
    await page.getByRole('link', { name: 'Import CSV' }).click();
    await expect(page.getByRole('heading', { level: 1, name: /Import orders/ })).toBeVisible();
    await page.getByRole('link', { name: 'Back to orders' }).click();
    await page.getByRole('link', { name: order.number, exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: `Order ${order.number}` })).toBeVisible();
    await expect(page).toHaveTitle(`Order ${order.number} · Orderline`);
    await page.getByRole('link', { name: 'Edit' }).click();
    await expect(page.getByRole('heading', { level: 1, name: /Edit order/ })).toBeVisible();
    await page.getByRole('link', { name: 'Cancel' }).click();
    await expect(page).toHaveURL(new RegExp(`/orders/${order.id}$`));
    const nav = page.locator('header.topbar');
    if (who.admin) {
      for (const [link, heading] of [['Users', /^Users$/], ['API tokens', /^API tokens$/], ['Settings', /Settings › Connections/]] as const) {
        await nav.getByRole('link', { name: link }).click();
        await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
      }
    } else {
      await expect(nav.getByRole('link', { name: 'Settings' })).toHaveCount(0);
    }
    await nav.getByRole('link', { name: 'Orders' }).click();
    await expect(page.getByRole('heading', { level: 1, name: /^Orders$/ })).toBeVisible();
    // Short addresses people type lead to their first page.
    await goto(page, '/sandbox');
    await expect(page.getByRole('heading', { level: 1, name: /^Softphone/ })).toBeVisible();
    if (who.admin) {
      await goto(page, '/settings');
      await expect(page.getByRole('heading', { level: 1, name: /Settings › Connections/ })).toBeVisible();
      await goto(page, '/admin');
      await expect(page.getByRole('heading', { level: 1, name: /^Users$/ })).toBeVisible();
    }
  });
}

test('a signed-out deep link returns to its page after sign-in', async ({ page }) => {
  await signIn(page, ADMIN.email, ADMIN.password);
  const order = await firstOrder(page);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto(`/orders/${order.id}`);
  await expect(page).toHaveURL(new RegExp(`/login\\?next=%2Forders%2F${order.id}$`));
  await hydrated(page);
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(new RegExp(`/orders/${order.id}$`));
  await expect(page.getByRole('heading', { level: 1, name: `Order ${order.number}` })).toBeVisible();
});

test('a page number past the end shows the last page; the status filter applies at once', async ({ page }) => {
  await signIn(page, ADMIN.email, ADMIN.password);
  await goto(page, '/orders?page=999');
  await expect(page.getByText(/^Page (\d+) of \1 · \d+ orders$/)).toBeVisible();
  await goto(page, '/orders');
  await page.getByLabel('Status').selectOption('delivered');
  await expect(page).toHaveURL(/\/orders\?status=delivered$/);
  await page.getByLabel('Search').fill('');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/\/orders\?status=delivered$/);
  expect(page.url()).not.toContain('&=');
});

test('the wasm and JS are served compressed, with a content type and a cache rule', async ({ request }) => {
  for (const [path, type] of [['/pkg/orderline_bg.wasm', 'application/wasm'], ['/pkg/orderline.js', 'text/javascript']]) {
    const response = await request.get(path, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(response.status(), path).toBe(200);
    expect(response.headers()['content-encoding'], path).toBe('gzip');
    expect(response.headers()['content-type'], path).toContain(type);
    expect(response.headers()['cache-control'], path).toBe('no-cache');
  }
});
