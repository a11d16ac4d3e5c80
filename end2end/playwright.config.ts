import { defineConfig } from '@playwright/test';
import * as path from 'node:path';

// One server (started by global-setup.ts on a fresh SQLite database) and one worker: the specs
// build on each other in file order (bootstrap first, lockout last).
export const BASE_URL = 'http://127.0.0.1:3100';

export default defineConfig({
  testDir: './tests',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  globalSetup: './global-setup.ts',
  use: {
    baseURL: BASE_URL,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--headless',
        '--disable-gpu',
        '--disable-quic',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        // The softphone's microphone and speaker (sandbox spec): a fake device playing the
        // caller's turns written by global-setup.ts, no permission prompt, sound without a click.
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
        `--use-file-for-fake-audio-capture=${path.join(__dirname, '.tmp', 'caller.wav')}`,
        '--autoplay-policy=no-user-gesture-required',
      ],
    },
  },
});
