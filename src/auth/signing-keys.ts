/**
 * JWT signing keys, kept out of the database (issue 11, item 4): Ed25519,
 * from JWT_PRIVATE_KEY (PEM) or else the file <DATA_DIR>/keys/jwt-ed25519.pem
 * (created on first start, mode 0600 in a 0700 directory). Rotation: the
 * previous keys stay valid for verification only — JWT_PREVIOUS_PUBLIC_KEYS
 * (PEM blocks) or the files <DATA_DIR>/keys/previous/*.pem — until the tokens
 * they signed have expired; rotateSigningKey() moves the current key there and
 * makes a new one. Each key is named by its `kid` (a SHA-256 thumbprint).
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

export interface SigningKeys {
  current: { kid: string; privateKey: KeyObject };
  /** Every key a token may be verified with (the current one included), by kid. */
  verification: Map<string, KeyObject>;
}

export const KEY_FILE = 'jwt-ed25519.pem';

/** Where the current signing key is kept when JWT_PRIVATE_KEY is unset. */
export function signingKeyFile(dataDir: string): string {
  return path.join(keysDir(dataDir), KEY_FILE);
}

export function keysDir(dataDir: string): string {
  return path.join(dataDir, 'keys');
}

export function loadSigningKeys(opts: { dataDir: string; privateKeyPem?: string | null; previousPublicKeysPem?: string | null }): SigningKeys {
  const privateKey = opts.privateKeyPem ? parsePrivate(opts.privateKeyPem, 'JWT_PRIVATE_KEY') : fileKey(opts.dataDir);
  const currentPublic = createPublicKey(privateKey);
  const verification = new Map<string, KeyObject>([[kidOf(currentPublic), currentPublic]]);
  for (const pem of pemBlocks(opts.previousPublicKeysPem ?? '')) addPublic(verification, pem, 'JWT_PREVIOUS_PUBLIC_KEYS');
  const previousDir = path.join(keysDir(opts.dataDir), 'previous');
  if (!opts.privateKeyPem && fs.existsSync(previousDir)) {
    for (const f of fs.readdirSync(previousDir).filter((n) => n.endsWith('.pem')).sort()) addPublic(verification, fs.readFileSync(path.join(previousDir, f), 'utf8'), f);
  }
  return { current: { kid: kidOf(currentPublic), privateKey }, verification };
}

/** Moves the current key file to keys/previous/ (verification only) and writes a new one; returns the new kid. */
export function rotateSigningKey(dataDir: string, at: Date): string {
  const dir = keysDir(dataDir);
  const file = path.join(dir, KEY_FILE);
  if (fs.existsSync(file)) {
    const previous = path.join(dir, 'previous');
    fs.mkdirSync(previous, { recursive: true, mode: 0o700 });
    const old = createPublicKey(parsePrivate(fs.readFileSync(file, 'utf8'), file));
    fs.writeFileSync(path.join(previous, `${at.toISOString().replace(/[:.]/g, '-')}-${kidOf(old)}.pem`), old.export({ type: 'spki', format: 'pem' }), { mode: 0o600 });
    fs.rmSync(file);
  }
  return kidOf(createPublicKey(fileKey(dataDir)));
}

export function kidOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64url').slice(0, 16);
}

/** The key file, created with mode 0600 when missing (exclusive create: two processes starting together agree). */
function fileKey(dataDir: string): KeyObject {
  const dir = keysDir(dataDir);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, KEY_FILE);
  if (!fs.existsSync(file)) {
    const { privateKey } = generateKeyPairSync('ed25519');
    try {
      fs.writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
  return parsePrivate(fs.readFileSync(file, 'utf8'), file);
}

function parsePrivate(pem: string, where: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new Error(`Chiave di firma JWT non leggibile (${where}): attesa una chiave privata Ed25519 in PEM`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`Chiave di firma JWT (${where}): attesa Ed25519, trovata ${key.asymmetricKeyType}`);
  return key;
}

function addPublic(into: Map<string, KeyObject>, pem: string, where: string): void {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new Error(`Chiave JWT precedente non leggibile (${where})`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`Chiave JWT precedente (${where}): attesa Ed25519`);
  into.set(kidOf(key), key);
}

function pemBlocks(text: string): string[] {
  return text.match(/-----BEGIN [A-Z ]+-----[\s\S]+?-----END [A-Z ]+-----/g) ?? [];
}
