// The one `test` every spec uses: it fails a test on any page error (an exception, a panic in the
// wasm, a hydration error) and on any console error or warning the app writes. The only console
// lines let through are the browser's own network notes for pages a test opens on purpose with an
// error status ("Failed to load resource: ... 404"), which are not the app's messages.
import { test as base, expect } from '@playwright/test';

const NETWORK_NOTE = /^Failed to load resource: the server responded with a status of \d{3}/;

export const test = base.extend<{ consoleProblems: string[] }>({
  consoleProblems: [
    async ({ context }, use) => {
      const problems: string[] = [];
      const watch = (page: import('@playwright/test').Page) => {
        page.on('console', (message) => {
          if (message.type() !== 'error' && message.type() !== 'warning') return;
          if (NETWORK_NOTE.test(message.text())) return;
          problems.push(`console ${message.type()} on ${page.url()}: ${message.text()}`);
        });
        page.on('pageerror', (error) => problems.push(`page error on ${page.url()}: ${error.message}`));
      };
      context.pages().forEach(watch);
      context.on('page', watch);
      await use(problems);
      expect(problems, 'the browser reported errors').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
