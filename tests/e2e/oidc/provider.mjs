// A real OpenID Connect provider for the identity e2e tests: npm `oidc-provider` (a certified implementation)
// with its development interactions (a login form that accepts any password, then a consent form).
//
// Configured by environment variables:
//   OIDC_PORT            port on 127.0.0.1 (0 = pick a free one)
//   OIDC_CLIENT_ID       the relying party's client id            (default a2g-e2e)
//   OIDC_CLIENT_SECRET   its secret (client_secret_basic)         (default a2g-e2e-secret)
//   OIDC_REDIRECT_URIS   comma-separated allowed redirect URIs     (required)
//   OIDC_USERS           JSON {"<login>": {"name", "team", "email"}} for claims (others get defaults)
//   OIDC_SIGNING_KEY_PEM optional PKCS#8 PEM of the RSA signing key (the tests pass one when they also need a
//                        certificate for it); a fresh key is generated otherwise
//
// When listening it prints one JSON line to stdout: {"issuer", "port", "public_key_pem", "kid"}; the tests read
// it to configure the platform (A2G_OIDC_ISSUER, and A2G_OIDC_CERT_PEM for the fixed-certificate mode).

import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT || 0);
const clientId = process.env.OIDC_CLIENT_ID || 'a2g-e2e';
const clientSecret = process.env.OIDC_CLIENT_SECRET || 'a2g-e2e-secret';
const redirectUris = (process.env.OIDC_REDIRECT_URIS || '').split(',').map((s) => s.trim()).filter(Boolean);
const users = JSON.parse(process.env.OIDC_USERS || '{}');
if (redirectUris.length === 0) {
  console.error('OIDC_REDIRECT_URIS is required');
  process.exit(2);
}

// A fresh signing key per run (or the tests' own): the platform must find it through JWKS or a fixed PEM.
const { privateKey, publicKey } = process.env.OIDC_SIGNING_KEY_PEM
  ? (() => {
    const key = createPrivateKey(process.env.OIDC_SIGNING_KEY_PEM);
    return { privateKey: key, publicKey: createPublicKey(key) };
  })()
  : generateKeyPairSync('rsa', { modulusLength: 2048 });
const kid = `e2e-${randomBytes(4).toString('hex')}`;
const signingJwk = { ...privateKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };

function accountClaims(login) {
  const known = users[login] || {};
  return {
    sub: login,
    preferred_username: login,
    name: known.name || `Test User ${login}`,
    team: known.team || 'e2e-team',
    email: known.email || `${login}@e2e.example`,
    email_verified: true,
  };
}

const server = createServer();
await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: redirectUris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
  }],
  jwks: { keys: [signingJwk] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  // PKCE on every authorization request, so the e2e test proves the platform sends a correct S256 verifier.
  pkce: { required: () => true },
  claims: { openid: ['sub'], profile: ['preferred_username', 'name', 'team'], email: ['email', 'email_verified'] },
  // Put the profile claims into the id_token itself (the platform reads the id_token, not /userinfo).
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true } },
  findAccount: async (ctx, id) => ({ accountId: id, claims: async () => accountClaims(id) }),
});
provider.proxy = false;

server.on('request', provider.callback());

process.stdout.write(`${JSON.stringify({
  issuer,
  port: server.address().port,
  kid,
  public_key_pem: publicKey.export({ type: 'spki', format: 'pem' }),
})}\n`);

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
