import { test, expect } from './fixtures';
import * as crypto from 'node:crypto';
import WebSocket from 'ws';
import { ADMIN, STAFF, goto, signIn } from './helpers';
import { AGENT_REPLY, CALLER_LINE, NOTE, OPENAI_KEY } from '../fake-openai';

const BASE = 'http://127.0.0.1:3100';
const TOKEN = 'fedcba9876543210fedcba9876543210';
const ORIGIN = { Origin: BASE };

/** Twilio's X-Twilio-Signature: base64 HMAC-SHA1 over the URL and the sorted parameters. */
function sign(url: string, params: [string, string][]): string {
  const sorted = [...params].sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
  const text = url + sorted.map(([k, v]) => k + v).join('');
  return crypto.createHmac('sha1', TOKEN).update(text, 'utf8').digest('base64');
}

/** A TwiML `<Parameter>` value. */
function parameter(twiml: string, name: string): string {
  const match = twiml.match(new RegExp(`name="${name}" value="([^"]*)"`));
  if (!match) throw new Error(`no ${name} in ${twiml}`);
  return match[1];
}

/** 20 ms of a 300 Hz tone in mu-law (speech-like level), as base64. */
function frame(index: number): string {
  const bytes = Buffer.alloc(160);
  for (let i = 0; i < 160; i++) {
    const t = (index * 160 + i) / 8000;
    const sample = Math.round(0.3 * 32767 * Math.sin(2 * Math.PI * 300 * t));
    const sign = sample < 0 ? 0x80 : 0;
    let magnitude = Math.min(Math.abs(sample), 32635) + 0x84;
    let exponent = 7;
    for (let mask = 0x4000; (magnitude & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
    bytes[i] = ~(sign | (exponent << 4) | ((magnitude >> (exponent + 3)) & 0x0f)) & 0xff;
  }
  return bytes.toString('base64');
}

test('a call talks with the agent: the transcript appears live and the agent\'s note shows on the order', async ({ page, browser }) => {
  // Arrange as admin: Twilio and the (fake) OpenAI key, and an order.
  const admin = await browser.newPage();
  await signIn(admin, ADMIN.email, ADMIN.password);
  for (const [key, value] of [['twilio_auth_token', TOKEN], ['openai_api_key', OPENAI_KEY]]) {
    const saved = await admin.request.post('/api/settings/save', { headers: ORIGIN, form: { key, value } });
    expect(saved.status()).toBe(200);
  }
  const created = await admin.request.post('/api/orders/save', {
    headers: ORIGIN,
    form: {
      'input[number]': 'BRIDGE-1', 'input[customer_name]': 'Colette Willy', 'input[customer_phone]': '06 12 34 56 70',
      'input[delivery_address]': '9 rue de Beaujolais, Paris', 'input[items]': '2 x Croissant @ 1.20',
    },
  });
  expect(created.status()).toBe(200);
  const orderId: number = (await created.json()).id;
  await admin.close();

  // Staff press Call.
  await signIn(page, STAFF.email, STAFF.password);
  await goto(page, `/orders/${orderId}`);
  await page.getByRole('button', { name: 'Call', exact: true }).click();
  await page.getByRole('button', { name: 'Place call' }).click();
  await expect(page.locator('table.call-log [data-status]').first()).toHaveText('queued');
  const calls = await (await page.request.get('http://127.0.0.1:3101/_test/calls')).json();
  const placed = calls[calls.length - 1];
  const sid: string = placed.sid;
  const voiceUrl: string = placed.form.find(([k]: [string, string]) => k === 'Url')[1];

  // The harness answers as Twilio: the signed voice webhook, then the Media Stream.
  const params: [string, string][] = [['CallSid', sid], ['CallStatus', 'in-progress'], ['AnsweredBy', 'human']];
  const voice = await page.request.post(voiceUrl, {
    headers: { 'X-Twilio-Signature': sign(voiceUrl, params), 'Content-Type': 'application/x-www-form-urlencoded' },
    data: new URLSearchParams(params).toString(),
  });
  expect(voice.status()).toBe(200);
  const twiml = await voice.text();
  const streamUrl = `ws://127.0.0.1:3100/api/v1/orders/${orderId}/twilio-media`;
  const socket = new WebSocket(streamUrl, { headers: { 'X-Twilio-Signature': sign(streamUrl, []) } });
  const heard: string[] = [];
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString());
    if (message.event === 'media') heard.push(message.media.payload);
    // Twilio echoes each mark once the audio before it has played.
    if (message.event === 'mark') socket.send(JSON.stringify({ event: 'mark', sequenceNumber: '9', streamSid: 'MZe2e', mark: message.mark }));
  });
  await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject); });
  socket.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
  socket.send(JSON.stringify({
    event: 'start', sequenceNumber: '1', streamSid: 'MZe2e',
    start: {
      accountSid: 'AC0123456789abcdef0123456789abcdef', streamSid: 'MZe2e', callSid: sid, tracks: ['inbound'],
      mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      customParameters: { callId: parameter(twiml, 'callId'), token: parameter(twiml, 'token') },
    },
  }));
  // The caller speaks for a second, at Twilio's pace.
  for (let i = 0; i < 50; i++) {
    socket.send(JSON.stringify({ event: 'media', sequenceNumber: String(i + 2), streamSid: 'MZe2e', media: { track: 'inbound', chunk: String(i + 1), timestamp: String(i * 20), payload: frame(i) } }));
    await new Promise((resolve) => setTimeout(resolve, 20));
  }

  // Assert: the transcript appears live, and the note the agent added shows on the order.
  const transcript = page.getByRole('region', { name: 'Transcript', exact: true }).first();
  await expect(transcript).toContainText(CALLER_LINE);
  await expect(transcript).toContainText(AGENT_REPLY);
  await expect(page.locator('dd.notes, dt:has-text("Notes") + dd').first()).toContainText(NOTE);
  expect(heard.length).toBeGreaterThanOrEqual(9); // the greeting's 200 ms reached the caller

  // The call ends; after a reload the stored transcript is still there.
  socket.send(JSON.stringify({ event: 'stop', sequenceNumber: '60', streamSid: 'MZe2e', stop: { accountSid: 'AC0123456789abcdef0123456789abcdef', callSid: sid } }));
  await new Promise((resolve) => socket.once('close', resolve));
  await page.reload();
  await expect(page.getByRole('region', { name: 'Transcript', exact: true }).first()).toContainText(CALLER_LINE);
  await expect(page.locator('dd.notes, dt:has-text("Notes") + dd').first()).toContainText(NOTE);
});
