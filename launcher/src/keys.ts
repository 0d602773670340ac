import { generateKeyPairPem } from '@peerlink/platform/auth/keys';

/**
 * `npm run keys > .env`: fresh Ed25519 key pairs for a distributed setup, as environment variables
 * (base64 of the PEM, so each fits on one line). Give each process only what it needs: identity
 * ACCESS_TOKEN_PRIVATE_KEY, the gateway ACCESS_TOKEN_PUBLIC_KEY and GATEWAY_PRIVATE_KEY, every
 * subgraph GATEWAY_PUBLIC_KEY. docker compose reads .env by itself.
 */
const line = (name: string, pem: string) => `${name}=${Buffer.from(pem).toString('base64')}`;
const accessToken = generateKeyPairPem();
const gateway = generateKeyPairPem();
console.log(
  [
    line('ACCESS_TOKEN_PRIVATE_KEY', accessToken.privateKey),
    line('ACCESS_TOKEN_PUBLIC_KEY', accessToken.publicKey),
    line('GATEWAY_PRIVATE_KEY', gateway.privateKey),
    line('GATEWAY_PUBLIC_KEY', gateway.publicKey),
  ].join('\n'),
);
