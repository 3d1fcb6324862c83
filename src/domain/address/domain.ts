// The domain half of a mailbox (RFC 5321 §4.1.2 `Domain / address-literal`), returned in the
// form delivery needs: A-labels, lower case, or a normalised address literal.
import { domainToASCII } from 'node:url';
import ipaddr from 'ipaddr.js';
import { isAscii } from './text.js';

export type DomainResult = { readonly domain: string } | { readonly error: string };

const MAX_DOMAIN = 253;
const MAX_LABEL = 63;

export function parseDomain(input: string): DomainResult {
  if (input === '') return fail('domain is empty');
  if (input.startsWith('[')) return parseAddressLiteral(input);
  if (/\s/.test(input)) return fail('domain contains a space');

  let ascii = input.toLowerCase();
  if (!isAscii(input)) {
    // Node converts with CheckHyphens off, so "-ä" would become the harmless-looking
    // "xn----0fa"; RFC 5891 §4.2.3.1 forbids the hyphen on the U-label, so check it here.
    for (const label of input.split(/[.\u3002\uff0e\uff61]/)) {
      if (label.startsWith('-')) return fail('domain label starts with a hyphen');
      if (label.endsWith('-')) return fail('domain label ends with a hyphen');
    }
    // UTS #46 mapping then Punycode (RFC 5891). Node returns '' when any label cannot be
    // converted; the reason is not exposed, so the message stays general.
    ascii = domainToASCII(input);
    if (ascii === '') return fail('domain is not a valid internationalised domain name');
  }
  const problem = hostnameProblem(ascii);
  if (problem !== undefined) return fail(problem);
  // An ASCII "xn--" label must decode to a valid U-label, or it is just a lookalike string.
  if (/(^|\.)xn--/.test(ascii) && domainToASCII(ascii) !== ascii) {
    return fail('domain has an xn-- label that is not valid Punycode');
  }
  return { domain: ascii };
}

/** Checks an ASCII hostname: LDH labels (RFC 1123 §2.1), lengths (RFC 1035 §2.3.4). */
function hostnameProblem(d: string): string | undefined {
  if (d.startsWith('.')) return 'domain starts with a dot';
  if (d.endsWith('.')) return 'domain ends with a dot';
  if (d.includes('..')) return 'domain contains consecutive dots';
  if (d.length > MAX_DOMAIN) return `domain longer than ${MAX_DOMAIN} characters`;
  const labels = d.split('.');
  for (const label of labels) {
    const bad = /[^a-z0-9-]/.exec(label);
    if (bad) return `domain contains an invalid character ${JSON.stringify(bad[0])}`;
    if (label.length > MAX_LABEL) return `domain label longer than ${MAX_LABEL} characters`;
    if (label.startsWith('-')) return 'domain label starts with a hyphen';
    if (label.endsWith('-')) return 'domain label ends with a hyphen';
  }
  // A single label ("localhost", "com") is never a public mail domain.
  if (labels.length < 2) return 'domain needs at least two labels (like example.com)';
  // An all-numeric TLD would make 1.2.3.4 look like a hostname; literals need brackets.
  if (/^[0-9]+$/.test(labels[labels.length - 1] ?? '')) {
    return 'top-level domain is all-numeric (write an IP address as [1.2.3.4])';
  }
  return undefined;
}

// RFC 5321 §4.1.3: `[1.2.3.4]` or `[IPv6:...]`. General-address-literals (other tags) have no
// registered use, so they are refused rather than passed on to a resolver that cannot use them.
function parseAddressLiteral(input: string): DomainResult {
  if (!input.endsWith(']')) return fail('address literal is missing the closing "]"');
  const inner = input.slice(1, -1);
  if (/^ipv6:/i.test(inner)) {
    const ip = inner.slice(5);
    // ipaddr.js also accepts zone ids ("fe80::1%eth0"), which have no meaning off-host.
    if (!/^[0-9a-fA-F:.]+$/.test(ip) || !ipaddr.IPv6.isValid(ip)) {
      return fail('address literal is not a valid IPv6 address');
    }
    return { domain: `[IPv6:${ip.toLowerCase()}]` };
  }
  if (inner.includes(':')) return fail('address literal must be IPv4 or start with "IPv6:"');
  if (!isIPv4(inner)) return fail('address literal is not a valid IPv4 address');
  return { domain: `[${inner}]` };
}

// Leading zeros are refused: some resolvers read "010" as octal, so the meaning is ambiguous.
function isIPv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255);
}

function fail(error: string): { readonly error: string } {
  return { error };
}
