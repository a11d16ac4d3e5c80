// A fake OpenAI Realtime endpoint on loopback for the end-to-end run, speaking the GA events
// (protocols.md §7): `session.created`, `session.updated` after `session.update`, then a scripted
// conversation about the order. It greets with audio and a transcript, and once it has heard half a
// second of the caller it "transcribes" them, calls `add_delivery_note`, and answers after the
// tool's result. Audio is G.711 mu-law (the `audio/pcmu` default), base64.
import { WebSocketServer, WebSocket } from 'ws';

export const OPENAI_KEY = 'sk-test-e2e-0123456789abcdef';
export const CALLER_LINE = 'Le code de la porte est 1234.';
export const AGENT_REPLY = "C'est noté, merci.";
export const NOTE = 'Code porte 1234';

/** 200 ms of a 440 Hz tone in mu-law, 8 kHz. */
function toneMulaw(): Buffer {
  const bytes = Buffer.alloc(1600);
  for (let i = 0; i < bytes.length; i++) {
    const sample = Math.round(0.3 * 32767 * Math.sin((2 * Math.PI * 440 * i) / 8000));
    bytes[i] = encodeMulaw(sample);
  }
  return bytes;
}

/** G.711 mu-law encoding of one 16-bit sample (the classic Sun algorithm). */
function encodeMulaw(sample: number): number {
  const BIAS = 0x84;
  const sign = sample < 0 ? 0x80 : 0;
  let magnitude = Math.min(Math.abs(sample), 32635) + BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (magnitude & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

function converse(socket: WebSocket) {
  const send = (event: object) => socket.send(JSON.stringify(event));
  let appended = 0;
  let responses = 0;
  send({ type: 'session.created', event_id: 'e0', session: { type: 'realtime', id: 'sess_e2e' } });
  socket.on('message', (data) => {
    let event: { type?: string; session?: unknown };
    try {
      event = JSON.parse(data.toString());
    } catch {
      return;
    }
    switch (event.type) {
      case 'session.update':
        send({ type: 'session.updated', event_id: 'e1', session: event.session });
        break;
      case 'response.create':
        responses += 1;
        if (responses === 1) {
          send({ type: 'response.output_audio.delta', response_id: 'r1', item_id: 'item_greet', output_index: 0, content_index: 0, delta: toneMulaw().toString('base64') });
          send({ type: 'response.output_audio_transcript.done', response_id: 'r1', item_id: 'item_greet', transcript: 'Bonjour, ici Orderline.' });
          send({ type: 'response.done', response: { id: 'r1', status: 'completed', usage: { total_tokens: 120, input_tokens: 100, output_tokens: 20 } } });
        } else {
          send({ type: 'response.output_audio_transcript.delta', response_id: 'r3', item_id: 'item_reply', delta: "C'est noté" });
          send({ type: 'response.output_audio_transcript.done', response_id: 'r3', item_id: 'item_reply', transcript: AGENT_REPLY });
          send({ type: 'response.done', response: { id: 'r3', status: 'completed', usage: { total_tokens: 60, input_tokens: 50, output_tokens: 10 } } });
        }
        break;
      case 'input_audio_buffer.append':
        appended += 1;
        if (appended === 25) {
          send({ type: 'input_audio_buffer.speech_started', audio_start_ms: 0, item_id: 'item_caller' });
          send({ type: 'conversation.item.input_audio_transcription.delta', item_id: 'item_caller', content_index: 0, delta: 'Le code' });
          send({ type: 'conversation.item.input_audio_transcription.completed', item_id: 'item_caller', content_index: 0, transcript: CALLER_LINE });
          send({ type: 'response.function_call_arguments.done', response_id: 'r2', item_id: 'item_fc', output_index: 0, call_id: 'call_note', name: 'add_delivery_note', arguments: JSON.stringify({ note: NOTE }) });
          send({ type: 'response.done', response: { id: 'r2', status: 'completed' } });
        }
        break;
    }
  });
}

export function startFakeOpenAi(port: number): Promise<WebSocketServer> {
  return new Promise((resolve) => {
    const server = new WebSocketServer({
      host: '127.0.0.1',
      port,
      path: '/v1/realtime',
      verifyClient: (info, done) => {
        const ok = info.req.headers.authorization === `Bearer ${OPENAI_KEY}`;
        done(ok, ok ? undefined : 401, ok ? undefined : 'Incorrect API key provided.');
      },
    });
    server.on('connection', converse);
    server.on('listening', () => resolve(server));
  });
}
