import { test, expect } from './fixtures';
import { goto } from './helpers';

// Its own client address (the server trusts X-Forwarded-For in this run), so the lockout of
// this address does not touch the other specs.
test.use({ extraHTTPHeaders: { 'X-Forwarded-For': '203.0.113.50' } });

test('five failed sign-ins delay further attempts from this address with a clear message', async ({ page }) => {
  await goto(page, '/login');
  for (let attempt = 1; attempt <= 5; attempt++) {
    await page.getByLabel('Email').fill('mallory@example.com');
    await page.getByLabel('Password').fill(`guess-number-${attempt}`);
    // Each attempt must be answered before the next one, or they overlap.
    const answered = page.waitForResponse((r) => r.url().endsWith('/api/login'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect((await answered).status()).toBe(401);
    await expect(page.getByRole('alert')).toHaveText('wrong email or password');
  }
  await page.getByLabel('Password').fill('guess-number-6');
  await page.getByRole('button', { name: 'Sign in' }).click();
  // The sixth comes within 2 s of the fifth failure of this email and address.
  await expect(page.getByRole('alert')).toHaveText(/^too many attempts, try again in [12] seconds?$/);
});
