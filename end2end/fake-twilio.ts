// A fake Twilio account on loopback for the specs that configure real Twilio in Settings (06, 065):
// Account fetch, IncomingPhoneNumbers lookup and Calls create, in the documented wire format (HTTP
// Basic with Account SID and Auth Token, `.json` resources, error bodies with code/message). While
// no account is configured, the specs run on the server's own sandbox instead.
import * as http from 'node:http';

export const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
export const AUTH_TOKEN = 'fedcba9876543210fedcba9876543210';
export const OWNED_NUMBER = '+15005550006';

function send(res: http.ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function authError(res: http.ServerResponse) {
  send(res, 401, { code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 });
}

/** The calls the fake created, for the tests (not part of Twilio's API). */
export const createdCalls: { sid: string; form: [string, string][] }[] = [];
export const REFUSED_NUMBER = '+33612345699';

/** The user and password of HTTP Basic authentication. */
function basicAuth(req: http.IncomingMessage): [string, string] {
  const [user = '', password = ''] = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString().split(':');
  return [user, password];
}

function authorized(req: http.IncomingMessage): boolean {
  const [user, password] = basicAuth(req);
  return user === ACCOUNT_SID && password === AUTH_TOKEN;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => resolve(body));
  });
}

export function startFakeTwilio(port: number): Promise<http.Server> {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    if (url.pathname === '/_test/calls') return send(res, 200, createdCalls);
    const calls = url.pathname.match(/^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/Calls(?:\/(CA[0-9a-f]{32}))?\.json$/);
    if (calls && req.method === 'POST') {
      if (!authorized(req)) return authError(res);
      const form = [...new URLSearchParams(await readBody(req)).entries()];
      const field = (name: string) => form.find(([k]) => k === name)?.[1] ?? '';
      if (calls[2]) return send(res, 200, { sid: calls[2], status: field('Status') });
      if (field('To') === REFUSED_NUMBER) {
        return send(res, 400, { code: 21211, message: "Invalid 'To' Phone Number", more_info: 'https://www.twilio.com/docs/errors/21211', status: 400 });
      }
      const sid = 'CA' + (createdCalls.length + 1).toString(16).padStart(32, '0');
      createdCalls.push({ sid, form });
      return send(res, 201, { sid, account_sid: ACCOUNT_SID, to: field('To'), from: field('From'), status: 'queued', direction: 'outbound-api' });
    }
    const [user, password] = basicAuth(req);
    const account = url.pathname.match(/^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})(\.json|\/IncomingPhoneNumbers\.json)$/);
    if (!account) return send(res, 404, { code: 20404, message: 'The requested resource was not found', status: 404 });
    if (user !== account[1] || user !== ACCOUNT_SID || password !== AUTH_TOKEN) return authError(res);
    if (account[2] === '.json') {
      return send(res, 200, { sid: ACCOUNT_SID, friendly_name: 'Orderline Test Account', status: 'active', type: 'Full' });
    }
    const wanted = url.searchParams.get('PhoneNumber');
    const numbers = wanted === OWNED_NUMBER ? [{ sid: 'PN0123456789abcdef0123456789abcdef', phone_number: OWNED_NUMBER }] : [];
    return send(res, 200, { incoming_phone_numbers: numbers, page: 0, page_size: 50 });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}
