import { chromium } from '@playwright/test';
const base = process.env.BASE || 'http://127.0.0.1:3000';
const pages = (process.env.PAGES || '/orders,/orders/new,/orders/import,/admin/users,/admin/api-tokens,/admin/settings,/nope').split(',');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox','--headless','--disable-gpu','--disable-background-networking'] });
const page = await browser.newPage();
page.on('console', m => { if (m.type() === 'error' || m.type() === 'warning') console.log('CONSOLE', m.type(), page.url(), m.text().slice(0, 300)); });
page.on('pageerror', e => console.log('PAGEERROR', page.url(), e.message.slice(0, 300)));
await page.goto(base + '/login');
await page.waitForSelector('body[data-hydrated]');
await page.fill('input[name=email]', process.env.EMAIL || 'admin@example.com');
await page.fill('input[name=password]', process.env.PASSWORD || 'admin-password-1');
await page.click('button[type=submit]');
await page.waitForURL('**/orders**');
for (const p of pages) {
  for (const round of [1, 2]) {
    const r = await page.goto(base + p);
    try { await page.waitForSelector('body[data-hydrated]', { timeout: 10000 }); } catch { console.log('NOT HYDRATED', p); }
    await page.waitForTimeout(500);
    console.log('visited', p, r.status(), round, JSON.stringify(await page.title()));
  }
}
await browser.close();
