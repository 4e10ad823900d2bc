// A real OpenID Connect provider (node oidc-provider, with its development sign-in pages) for the console's
// browser test: it listens on a free port of 127.0.0.1 and prints `port N`, then reads one line from stdin — the
// console's redirect URI — registers the client `snitflade-console` (secret: $OIDC_CLIENT_SECRET) with it and prints
// `ready`. Its issuer is http://localhost:N, another site than the console's 127.0.0.1, so the browser leaves the
// console's site and comes back as with a real provider. Anyone may sign in at its development pages; the login
// typed there becomes the ID token's `sub`.
import http from 'node:http';
import readline from 'node:readline';
import Provider from 'oidc-provider';

let handler = (_req, res) => { res.statusCode = 503; res.end('not ready'); };
const server = http.createServer((req, res) => handler(req, res));
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  console.log(`port ${port}`);
  const lines = readline.createInterface({ input: process.stdin });
  lines.once('line', (redirectUri) => {
    const provider = new Provider(`http://localhost:${port}`, {
      clients: [{
        client_id: 'snitflade-console',
        client_secret: process.env.OIDC_CLIENT_SECRET,
        redirect_uris: [redirectUri.trim()],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      }],
      pkce: { required: () => true },
      cookies: { keys: ['snitflade-test-only'] },
    });
    provider.on('server_error', (_ctx, err) => console.error('server_error', err));
    handler = provider.callback();
    console.log('ready');
  });
});
