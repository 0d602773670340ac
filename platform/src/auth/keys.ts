import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

/**
 * Ed25519 keys for the two kinds of token. Signing keys live only where tokens are made (identity
 * makes access tokens, the gateway makes internal tokens); everyone else holds the public half, so
 * a compromised subgraph can verify tokens but never mint one.
 */
export interface SigningKeys {
  /** Present only in the process that signs. */
  privateKey?: KeyObject;
  publicKey: KeyObject;
}

/** A new key pair as PEM text, e.g. for `npm run keys` or an embedded DATA_DIR. */
export function generateKeyPairPem(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** Environment variables cannot hold newlines comfortably, so keys may also be base64 of the PEM. */
function pem(text: string): string {
  const trimmed = text.trim();
  return trimmed.startsWith('-----BEGIN') ? trimmed : Buffer.from(trimmed, 'base64').toString('utf8');
}

/** Throws with a readable message when the text is not an Ed25519 key of the expected kind. */
export function readSigningKeys(options: { privateKey?: string; publicKey?: string }): SigningKeys | undefined {
  const privateKey = options.privateKey ? createPrivateKey(pem(options.privateKey)) : undefined;
  const publicKey = options.publicKey
    ? createPublicKey(pem(options.publicKey))
    : privateKey && createPublicKey(privateKey);
  if (!publicKey) return undefined;
  for (const key of [privateKey, publicKey]) {
    if (key && key.asymmetricKeyType !== 'ed25519')
      throw new Error(`expected an Ed25519 key, got ${key.asymmetricKeyType}`);
  }
  return { privateKey, publicKey };
}
