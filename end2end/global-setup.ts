// Starts the built server (target/debug/orderline and target/site, built by `cargo xtask build`) on a fresh
// database, captures the one-time setup link it prints, and stops it after the run. The server starts
// in the sandbox (no Twilio account): calls and texts run on its Twilio emulation. Two loopback fakes
// stand in for what cannot be reached from here: a Twilio account for the specs that configure one
// in Settings (fake-twilio.ts) and OpenAI Realtime for the bridge spec (fake-openai.ts).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startFakeTwilio } from './fake-twilio';
import { startFakeOpenAi } from './fake-openai';

const root = path.resolve(__dirname, '..');
export const TMP = path.join(__dirname, '.tmp');
export const SETUP_LINK_FILE = path.join(TMP, 'setup-link.txt');
/** What Chromium's fake microphone plays (playwright.config.ts), in a loop: a caller's turns. */
export const CALLER_WAV = path.join(TMP, 'caller.wav');

/** 16-bit mono PCM at 8 kHz: 1.2 s of a 300 Hz tone, then 2.8 s of silence (one "turn"). */
function callerWav(): Buffer {
  const rate = 8000;
  const samples = rate * 4;
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) {
    const speaking = i < rate * 1.2;
    const value = speaking ? Math.round(0.3 * 32767 * Math.sin((2 * Math.PI * 300 * i) / rate)) : 0;
    data.writeInt16LE(value, i * 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

export default async function globalSetup() {
  fs.rmSync(TMP, { recursive: true, force: true });
  fs.mkdirSync(TMP, { recursive: true });
  fs.writeFileSync(CALLER_WAV, callerWav());
  const binary = path.join(root, 'target', 'debug', 'orderline');
  if (!fs.existsSync(binary)) throw new Error(`${binary} is missing: run cargo xtask build first`);

  const twilio = await startFakeTwilio(3101);
  const openai = await startFakeOpenAi(3102);
  const server = spawn(binary, [], {
    cwd: root,
    env: {
      ...process.env,
      ORDERLINE_DATA_DIR: path.join(TMP, 'data'),
      DATABASE_URL: `sqlite://${path.join(TMP, 'data', 'orderline.db')}?mode=rwc`,
      LEPTOS_SITE_ADDR: '127.0.0.1:3100',
      LEPTOS_SITE_ROOT: 'target/site',
      LEPTOS_SITE_PKG_DIR: 'pkg',
      PUBLIC_BASE_URL: 'http://127.0.0.1:3100',
      TRUST_PROXY_HEADERS: 'true',
      TWILIO_API_BASE_URL: 'http://127.0.0.1:3101',
      OPENAI_REALTIME_URL: 'ws://127.0.0.1:3102/v1/realtime',
      // Pinned by the environment, so the settings page shows it locked.
      GEMINI_LIVE_MODEL: 'gemini-3.8-live',
      ADMIN_EMAIL: '',
      ADMIN_PASSWORD: '',
      RUST_LOG: 'info,sqlx=warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = fs.createWriteStream(path.join(TMP, 'server.log'));
  server.stdout.on('data', (chunk: Buffer) => log.write(chunk));

  // The link is printed to the terminal's stderr, never to the log (stdout).
  const link = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`server did not print a setup link:\n${buffer}`)), 60_000);
    server.stderr.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const match = buffer.match(/one-time link\): (\S+)/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    server.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${buffer}`)));
  });
  server.stderr.pipe(log);
  fs.writeFileSync(SETUP_LINK_FILE, link);

  return async () => {
    server.kill('SIGTERM');
    twilio.close();
    openai.close();
  };
}
