// The people at the desk (issue 14): French before signing in from Accept-Language, a user who
// picks French in their profile sees the orders, an order and Settings in French (after a reload
// too), a password change ends the user's other sessions, the orders list and an order fit a
// 375 px phone, and axe-core finds no serious or critical violation on the main pages.
// Each test uses its own admin account, so the accounts of the other specs keep English.
import { test, expect } from './fixtures';
import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page } from '@playwright/test';
import { ADMIN, ORIGIN, createOrder, goto, signIn } from './helpers';

/** Creates an admin account (as Ada) and returns its credentials. */
async function newAdmin(browser: Browser, name: string): Promise<{ email: string; password: string }> {
  const context = await browser.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  await signIn(page, ADMIN.email, ADMIN.password);
  const account = { email: `${name.toLowerCase()}@example.com`, password: `${name}-password-1` };
  const created = await page.request.post('/api/users/create', {
    headers: ORIGIN,
    form: { name, email: account.email, password: account.password, role: 'admin' },
  });
  expect(created.status()).toBe(200);
  await context.close();
  return account;
}

/** Signs in through the French sign-in page. */
async function signInFr(page: Page, email: string, password: string) {
  await goto(page, '/login');
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Mot de passe').fill(password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await expect(page.getByRole('button', { name: 'Se déconnecter' })).toBeVisible();
}

test('a browser sending Accept-Language: fr gets French before signing in; English otherwise', async ({ browser }) => {
  const french = await browser.newContext({ locale: 'fr-FR' });
  const page = await french.newPage();
  await goto(page, '/login');
  await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
  await expect(page.getByRole('heading', { name: 'Connexion' })).toBeVisible();
  await expect(page).toHaveTitle('Connexion · Orderline');
  await expect(page.getByLabel('Mot de passe')).toBeVisible();
  await french.close();

  const german = await browser.newContext({ locale: 'de-DE' });
  const other = await german.newPage();
  await goto(other, '/login');
  await expect(other.locator('html')).toHaveAttribute('lang', 'en');
  await expect(other.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await german.close();
});

test('a user who chooses French sees the orders, an order and Settings in French, after a reload too', async ({ browser }) => {
  const account = await newAdmin(browser, 'Chloe');
  const context = await browser.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  await signIn(page, account.email, account.password);
  const orderId = await createOrder(page.request, 'FR-1', '06 12 34 70 01', 'Émile Zola');
  await page.getByRole('link', { name: 'Chloe · admin' }).click();
  await expect(page.getByRole('heading', { name: 'Profile' })).toBeVisible();
  await page.getByLabel('Language').selectOption('fr');
  await page.getByRole('button', { name: 'Save' }).click();
  // The page reloads in the new language.
  await expect(page.getByRole('heading', { name: 'Profil' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'fr');

  await goto(page, '/orders');
  await expect(page.getByRole('heading', { name: 'Commandes' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Nouvelle commande' }).or(page.getByRole('link', { name: 'Nouvelle commande' }))).toBeVisible();
  await expect(page.locator('footer.page-foot')).toContainText('montants en');

  await goto(page, `/orders/${orderId}`);
  await expect(page.getByRole('heading', { name: /^Commande FR-1/ })).toBeVisible();
  await expect(page.locator('.details')).toContainText('Client');
  // The total in French: a decimal comma before the euro sign.
  await expect(page.locator('th.total')).toHaveText(/^19,00\u00a0€$/);
  await page.reload();
  await expect(page.getByRole('heading', { name: /^Commande FR-1/ })).toBeVisible();

  // The server's refusal of a field, in French too.
  await goto(page, '/orders/new');
  await page.getByLabel('Numéro de commande').fill('FR-2');
  await page.getByLabel('Nom du client').fill('Victor Hugo');
  await page.getByLabel('Téléphone du client').fill('12');
  await page.getByLabel('Adresse de livraison').fill('6 place des Vosges, Paris');
  await page.getByLabel(/^Articles/).fill('Pizza');
  await page.getByRole('button', { name: 'Enregistrer la commande' }).click();
  await expect(page.getByText(/^"12" n’est pas un numéro/)).toBeVisible();
  await expect(page.getByText('article 1 : "Pizza" n’a pas de prix ; écrivez-le comme 2 x Margherita @ 12.50')).toBeVisible();

  await goto(page, '/admin/settings');
  await expect(page.getByRole('heading', { name: 'Réglages › Connexions' })).toBeVisible();
  await expect(page.getByText('Activer Twilio', { exact: true }).first()).toBeVisible();
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Réglages › Connexions' })).toBeVisible();

  // The profile's language wins over the browser's, in a new browser too.
  const english = await browser.newContext({ locale: 'en-US' });
  const elsewhere = await english.newPage();
  await goto(elsewhere, '/login');
  await expect(elsewhere.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await elsewhere.getByLabel('Email').fill(account.email);
  await elsewhere.getByLabel('Password').fill(account.password);
  await elsewhere.getByRole('button', { name: 'Sign in' }).click();
  await expect(elsewhere.getByRole('heading', { name: 'Commandes' })).toBeVisible();
  await english.close();
  await context.close();
});

test('changing the password needs the current one and ends the user\'s other sessions', async ({ browser }) => {
  const account = await newAdmin(browser, 'Denis');
  const here = await browser.newContext({ locale: 'en-US' });
  const there = await browser.newContext({ locale: 'en-US' });
  const page = await here.newPage();
  const other = await there.newPage();
  await signIn(page, account.email, account.password);
  await signIn(other, account.email, account.password);

  await goto(page, '/profile');
  // Both sessions are listed; this one is marked.
  await expect(page.locator('ul.sessions li')).toHaveCount(2);
  await expect(page.locator('ul.sessions li.current')).toContainText('this session');

  await page.getByLabel('Current password').fill('not-the-password');
  await page.getByLabel('New password').fill('Denis-password-2');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.locator('.field-error')).toContainText('is not your current password');

  await page.getByLabel('Current password').fill(account.password);
  await page.getByLabel('New password').fill('Denis-password-2');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.locator('.banner.success')).toContainText('Password changed. Your other sessions have been signed out.');
  await expect(page.locator('ul.sessions li')).toHaveCount(1);

  // The other browser is signed out; this one is not.
  await other.goto('/orders');
  await expect(other).toHaveURL(/\/login$/);
  await goto(page, '/orders');
  await expect(page.getByRole('heading', { name: 'Orders' })).toBeVisible();
  // The new password signs in.
  await signIn(other, account.email, 'Denis-password-2');
  await here.close();
  await there.close();
});

test('the orders list, an order and the softphone fit a 375 px phone without sideways scrolling', async ({ browser }) => {
  const context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 375, height: 760 } });
  const page = await context.newPage();
  await signInFr(page, ADMIN.email, ADMIN.password);
  const orderId = await createOrder(page.request, 'PHONE-375', '06 12 34 70 02', 'Marguerite Yourcenar');
  for (const path of ['/orders', `/orders/${orderId}`, '/sandbox/phone', '/profile']) {
    await goto(page, path);
    const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
    expect(scroll, `${path} scrolls sideways`).toBeLessThanOrEqual(client);
  }
  // Touch targets: the order's buttons are at least 44 px tall.
  await goto(page, `/orders/${orderId}`);
  for (const name of ['Appeler', 'SMS']) {
    const box = await page.getByRole('button', { name, exact: true }).boundingBox();
    expect(box?.height ?? 0, name).toBeGreaterThanOrEqual(44);
  }
  await context.close();
});

test('axe-core finds no serious or critical violation on the main pages', async ({ browser }) => {
  for (const locale of ['en-US', 'fr-FR']) {
    const context = await browser.newContext({ locale });
    const page = await context.newPage();
    await goto(page, '/login');
    const pages: string[] = ['/login'];
    const results = [await new AxeBuilder({ page }).analyze()];
    if (locale === 'en-US') await signIn(page, ADMIN.email, ADMIN.password);
    else await signInFr(page, ADMIN.email, ADMIN.password);
    const orderId = await createOrder(page.request, `AXE-${locale}`, '06 12 34 70 03', 'Olympe de Gouges');
    for (const path of ['/orders', `/orders/${orderId}`, '/admin/settings', '/profile', '/sandbox/phone']) {
      await goto(page, path);
      pages.push(path);
      results.push(await new AxeBuilder({ page }).analyze());
    }
    const serious = results.flatMap((result, i) =>
      result.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${locale} ${pages[i]}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`),
    );
    expect(serious).toEqual([]);
    await context.close();
  }
});
