// A real OpenID provider for tests/test_sso.py: node-oidc-provider (certified by the OpenID
// Foundation), as package-lock.json pins it, on 127.0.0.1 only. Nothing here is a mock of the
// protocol: the provider signs its ID tokens with its own keys, serves its JWKS and discovery
// document, checks PKCE (required, S256) and client secrets, and redeems each code once.
//
// Environment:
//   OIDC_PORT            the port to listen on
//   OIDC_REDIRECT_URIS   the redirect URIs every client may use, separated by spaces
//   OIDC_CLIENT_SECRET   every client's secret (client_secret_basic)
//
// Clients (one per test case that needs the provider to misbehave, so one provider serves them all):
//   clinic-review          a correct client
//   clinic-wrong-audience  its ID tokens are addressed to "another-app" (a token for someone else)
//   clinic-expired         its ID tokens expired ten minutes before they are issued
//
// Users (all fictional), each with the password "provider test password": see USERS. The sign-in
// page is this script's own (the library's development pages load web fonts from the internet).
// Prints "listening" on stdout once it accepts connections.

import http from 'node:http';
import { URLSearchParams } from 'node:url';

import Provider from 'oidc-provider';

const PORT = Number(process.env.OIDC_PORT);
const ISSUER = `http://127.0.0.1:${PORT}`;
const REDIRECT_URIS = (process.env.OIDC_REDIRECT_URIS || '').split(' ').filter(Boolean);
const SECRET = process.env.OIDC_CLIENT_SECRET;
const PASSWORD = 'provider test password';

const USERS = {
  'robin-0001': { email: 'robin.spare@clinic.example', email_verified: true },
  'quinn-0002': { email: 'quinn.spare@clinic.example', email_verified: true },
  'pat-0003': { email: 'pat.nobody@clinic.example', email_verified: true },
  'una-0004': { email: 'una.verified@clinic.example', email_verified: false },
};

const CLIENTS = ['clinic-review', 'clinic-wrong-audience', 'clinic-expired'].map((id) => ({
  client_id: id,
  client_secret: SECRET,
  redirect_uris: REDIRECT_URIS,
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
}));

const provider = new Provider(ISSUER, {
  clients: CLIENTS,
  async findAccount(ctx, sub) {
    const user = USERS[sub];
    if (!user) return undefined;
    return { accountId: sub, claims: async () => ({ sub, ...user }) };
  },
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  // the claims a scope asks for go into the ID token (as hospital providers do), not only userinfo
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ['tests-only-not-a-secret'] },
  ttl: {
    AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 600, Grant: 600,
  },
});

// The misbehaving clients: the same signing key and code path, another audience or an expiry past.
const issue = provider.IdToken.prototype.issue;
provider.IdToken.prototype.issue = function issueFor(options = {}) {
  const id = this.client && this.client.clientId;
  if (options.use === 'idtoken' && id === 'clinic-wrong-audience') {
    const real = this.client;
    this.client = new Proxy(real, {
      get(target, key) {
        if (key === 'clientId') return 'another-app';
        const value = target[key];
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }
  if (options.use === 'idtoken' && id === 'clinic-expired') {
    const now = Math.floor(Date.now() / 1000);
    this.set('iat', now - 1200);
    return issue.call(this, { ...options, expiresAt: now - 600 });
  }
  return issue.call(this, options);
};

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(uid, message) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test provider sign-in</title></head>
<body><main><h1>Test provider sign-in</h1>${message ? `<p role="alert">${escape(message)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}">
<label>Login <input id="login" name="login" type="text" required></label>
<label>Password <input id="password" name="password" type="password" required></label>
<button id="submit" type="submit">Sign in</button></form></main></body></html>`;
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

// The first-party consent our users would see is skipped: every scope asked for is granted.
async function consent(req, res, details) {
  const { prompt: { details: missing }, params, session, grantId } = details;
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  const saved = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId: saved } }, {
    mergeWithLastSubmission: true,
  });
}

async function interaction(req, res, uid) {
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name === 'consent') return consent(req, res, details);
  if (req.method === 'POST') {
    const form = await readForm(req);
    const login = form.get('login') || '';
    if (USERS[login] && form.get('password') === PASSWORD) {
      return provider.interactionFinished(req, res, { login: { accountId: login } }, {
        mergeWithLastSubmission: false,
      });
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    return res.end(loginPage(uid, 'Unknown login or wrong password.'));
  }
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  return res.end(loginPage(uid, ''));
}

const handle = provider.callback();
const server = http.createServer((req, res) => {
  const found = /^\/interaction\/([A-Za-z0-9_-]+)$/.exec(req.url.split('?')[0]);
  if (!found) return handle(req, res);
  return interaction(req, res, found[1]).catch((err) => {
    res.writeHead(400, { 'content-type': 'text/plain' });
    res.end(`interaction failed: ${err.message}`);
  });
});
server.listen(PORT, '127.0.0.1', () => console.log('listening'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
