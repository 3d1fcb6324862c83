// The DKIM key record (RFC 6376 §3.6.1): what we publish at `<selector>._domainkey.<domain>`
// and how a record found in DNS is read back for verification.

export type DkimKeyType = 'rsa' | 'ed25519';

/** `v=DKIM1; k=rsa; p=<base64>`: the TXT value to publish. */
export function dkimRecordValue(type: DkimKeyType, publicKeyBase64: string): string {
  return `v=DKIM1; k=${type}; p=${publicKeyBase64}`;
}

export interface ParsedDkimRecord {
  readonly version?: string;
  /** k=, `rsa` when absent (§3.6.1). */
  readonly keyType: string;
  /** p= with whitespace removed; '' means the key was revoked. */
  readonly publicKey: string | undefined;
  readonly testing: boolean;
}

/** Tag-list syntax (§3.2): `tag=value` pairs separated by `;`, whitespace around them ignored. */
export function parseTagList(value: string): Map<string, string> | undefined {
  const tags = new Map<string, string>();
  for (const part of value.split(';')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) return undefined;
    const tag = part.slice(0, eq).trim().toLowerCase();
    if (!/^[a-z][a-z0-9_]*$/.test(tag) || tags.has(tag)) return undefined;
    tags.set(tag, part.slice(eq + 1).trim());
  }
  return tags;
}

/** Reads a key record; undefined when it is not one (bad tag list, v= not first or not DKIM1). */
export function parseDkimRecord(value: string): ParsedDkimRecord | undefined {
  const tags = parseTagList(value);
  if (!tags) return undefined;
  const version = tags.get('v');
  // §3.6.1: v= is optional, but when present it MUST be the first tag and be DKIM1.
  if (version !== undefined && (version !== 'DKIM1' || !/^\s*v\s*=/i.test(value))) return undefined;
  const p = tags.get('p');
  return {
    ...(version !== undefined ? { version } : {}),
    keyType: (tags.get('k') ?? 'rsa').toLowerCase(),
    publicKey: p === undefined ? undefined : p.replace(/\s+/g, ''),
    testing: (tags.get('t') ?? '').split(':').map((f) => f.trim()).includes('y'),
  };
}
