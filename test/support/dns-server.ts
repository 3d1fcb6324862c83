// A real DNS server for tests, scripted by a table of names. It listens on 127.0.0.1 with an
// OS-chosen port, UDP and TCP on the same port: answers too large for the UDP payload size are
// sent truncated (TC set, RFC 1035 §4.2.1) so the client retries over TCP, as real resolvers do
// with long DKIM keys in TXT records.
//
//   name absent from the zone      → NXDOMAIN
//   name present, type absent      → NOERROR with no answers (NODATA, RFC 2308 §2.2)
//   nxdomain / servfail / refused  → that rcode, whatever the type
//   timeout                        → the query is read and never answered
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, Packet, Question } from 'dns-packet';

export type RecordSetType = 'MX' | 'A' | 'AAAA' | 'TXT' | 'CNAME';

export interface ZoneEntry {
  readonly MX?: readonly { readonly exchange: string; readonly priority: number }[];
  readonly A?: readonly string[];
  readonly AAAA?: readonly string[];
  /** One inner array per TXT record, one string per character-string; strings over 255 bytes are split. */
  readonly TXT?: readonly (readonly string[])[];
  readonly CNAME?: string;
  readonly nxdomain?: true;
  readonly servfail?: true;
  readonly refused?: true;
  /** Never answers, so the client times out. */
  readonly timeout?: true;
  /** TTL in seconds for every record set of this name, or per record set; default 300. */
  readonly ttl?: number | Partial<Record<RecordSetType, number>>;
}

export type Zone = Readonly<Record<string, ZoneEntry>>;

export interface QueryLogEntry {
  readonly name: string;
  readonly type: string;
  readonly transport: 'udp' | 'tcp';
}

export interface DnsServer {
  /** `127.0.0.1:PORT`, the form `dns.servers` takes. */
  readonly address: string;
  readonly port: number;
  /** Every query received, in order; tests use it to see whether a cache answered. */
  readonly queries: readonly QueryLogEntry[];
  setZone(zone: Zone): void;
  close(): Promise<void>;
}

const DEFAULT_TTL = 300;
const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;
// Without EDNS a UDP answer is at most 512 bytes (RFC 1035 §2.3.4); with EDNS the client's
// advertised size applies (RFC 6891 §6.2.5), capped at what we are willing to send.
const UDP_PLAIN_LIMIT = 512;
const UDP_EDNS_CAP = 4096;
const MAX_CNAME_CHAIN = 8;

const norm = (name: string): string => name.toLowerCase().replace(/\.$/, '');

function ttlOf(entry: ZoneEntry, type: RecordSetType): number {
  if (typeof entry.ttl === 'number') return entry.ttl;
  return entry.ttl?.[type] ?? DEFAULT_TTL;
}

function splitCharacterStrings(strings: readonly string[]): Buffer[] {
  const out: Buffer[] = [];
  for (const s of strings) {
    const b = Buffer.from(s, 'utf8');
    if (b.length === 0) out.push(b);
    for (let i = 0; i < b.length; i += 255) out.push(b.subarray(i, i + 255));
  }
  return out;
}

/** The records of one type at one name, without following CNAMEs. */
function recordSet(name: string, entry: ZoneEntry, type: string): Answer[] {
  switch (type) {
    case 'A':
    case 'AAAA':
      return (entry[type] ?? []).map((ip) => ({ type, name, ttl: ttlOf(entry, type), data: ip }));
    case 'MX':
      return (entry.MX ?? []).map((mx) => ({ type: 'MX', name, ttl: ttlOf(entry, 'MX'), data: { exchange: mx.exchange, preference: mx.priority } }));
    case 'TXT':
      return (entry.TXT ?? []).map((txt) => ({ type: 'TXT', name, ttl: ttlOf(entry, 'TXT'), data: splitCharacterStrings(txt) }));
    case 'CNAME':
      return entry.CNAME === undefined ? [] : [{ type: 'CNAME', name, ttl: ttlOf(entry, 'CNAME'), data: entry.CNAME }];
    default:
      return [];
  }
}

type Verdict = { kind: 'answer'; rcode: number; answers: Answer[] } | { kind: 'silence' };

type ZoneMap = ReadonlyMap<string, ZoneEntry>;

const toMap = (zone: Zone): ZoneMap => new Map(Object.entries(zone).map(([name, entry]) => [norm(name), entry]));

function answerQuestion(zone: ZoneMap, q: Question): Verdict {
  const answers: Answer[] = [];
  let name = q.name;
  // A recursive resolver answers a query for an alias with the CNAME chain plus the target's
  // records (RFC 1034 §3.6.2); the status of the first name decides the rcode.
  for (let hop = 0; hop <= MAX_CNAME_CHAIN; hop++) {
    const entry = zone.get(norm(name));
    if (entry === undefined) return { kind: 'answer', rcode: hop === 0 ? RCODE.NXDOMAIN : RCODE.NOERROR, answers };
    if (entry.timeout) return { kind: 'silence' };
    if (entry.servfail) return { kind: 'answer', rcode: RCODE.SERVFAIL, answers: [] };
    if (entry.refused) return { kind: 'answer', rcode: RCODE.REFUSED, answers: [] };
    if (entry.nxdomain) return { kind: 'answer', rcode: hop === 0 ? RCODE.NXDOMAIN : RCODE.NOERROR, answers };
    if (entry.CNAME !== undefined && q.type !== 'CNAME') {
      answers.push(...recordSet(name, entry, 'CNAME'));
      name = entry.CNAME;
      continue;
    }
    answers.push(...recordSet(name, entry, q.type));
    return { kind: 'answer', rcode: RCODE.NOERROR, answers };
  }
  return { kind: 'answer', rcode: RCODE.SERVFAIL, answers: [] };
}

function respond(zone: ZoneMap, query: DecodedPacket, udpLimit: number | undefined): Buffer | undefined {
  const q = query.questions?.[0];
  const base = {
    type: 'response' as const,
    id: query.id ?? 0,
    questions: query.questions ?? [],
  };
  const flags = dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_AVAILABLE | (query.flag_rd ? dnsPacket.RECURSION_DESIRED : 0);
  if (q === undefined) return dnsPacket.encode({ ...base, flags: flags | 1 /* FORMERR */ });
  const verdict = answerQuestion(zone, q);
  if (verdict.kind === 'silence') return undefined;
  const full: Packet = { ...base, flags: flags | verdict.rcode, answers: verdict.answers };
  const buf = dnsPacket.encode(full);
  if (udpLimit !== undefined && buf.length > udpLimit) {
    return dnsPacket.encode({ ...base, flags: flags | verdict.rcode | dnsPacket.TRUNCATED_RESPONSE, answers: [] });
  }
  return buf;
}

function udpLimitOf(query: DecodedPacket): number {
  const opt = query.additionals?.find((a) => a.type === 'OPT');
  if (opt === undefined || !('udpPayloadSize' in opt)) return UDP_PLAIN_LIMIT;
  return Math.min(Math.max(opt.udpPayloadSize, UDP_PLAIN_LIMIT), UDP_EDNS_CAP);
}

function decodeOrUndefined(buf: Buffer): DecodedPacket | undefined {
  try {
    return dnsPacket.decode(buf);
  } catch {
    return undefined; // garbage in a test is ignored, like a real server would
  }
}

async function bindUdp(port: number): Promise<UdpSocket> {
  const udp = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(port, '127.0.0.1', () => {
      udp.off('error', reject);
      resolve();
    });
  });
  return udp;
}

async function listenTcp(server: Server, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => (err.code === 'EADDRINUSE' ? resolve(false) : reject(err));
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve(true);
    });
  });
}

export async function startDnsServer(initial: Zone): Promise<DnsServer> {
  let zone = toMap(initial);
  const queries: QueryLogEntry[] = [];
  const sockets = new Set<Socket>();

  const log = (query: DecodedPacket, transport: 'udp' | 'tcp'): void => {
    const q = query.questions?.[0];
    if (q !== undefined) queries.push({ name: norm(q.name), type: q.type, transport });
  };

  const tcp = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      // Each TCP message is prefixed by its two-byte length (RFC 1035 §4.2.2).
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        const len = pending.readUInt16BE(0);
        const query = decodeOrUndefined(pending.subarray(2, 2 + len));
        pending = pending.subarray(2 + len);
        if (query === undefined) continue;
        log(query, 'tcp');
        const reply = respond(zone, query, undefined);
        if (reply === undefined) continue;
        const frame = Buffer.alloc(2);
        frame.writeUInt16BE(reply.length);
        socket.write(Buffer.concat([frame, reply]));
      }
    });
  });

  // UDP and TCP must share one port, which port 0 cannot promise: take a UDP port, then try
  // the same TCP port, and start over in the rare case it is taken.
  let udp: UdpSocket | undefined;
  for (let attempt = 0; attempt < 50 && udp === undefined; attempt++) {
    const candidate = await bindUdp(0);
    if (await listenTcp(tcp, candidate.address().port)) udp = candidate;
    else await new Promise<void>((r) => candidate.close(() => r()));
  }
  if (udp === undefined) throw new Error('test DNS server: no port free for both UDP and TCP');
  const port = udp.address().port;

  const udpSocket = udp;
  udpSocket.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
    const query = decodeOrUndefined(msg);
    if (query === undefined) return;
    log(query, 'udp');
    const reply = respond(zone, query, udpLimitOf(query));
    if (reply !== undefined) udpSocket.send(reply, rinfo.port, rinfo.address);
  });

  return {
    address: `127.0.0.1:${port}`,
    port,
    queries,
    setZone(z: Zone): void {
      zone = toMap(z);
    },
    async close(): Promise<void> {
      for (const s of sockets) s.destroy();
      await Promise.all([new Promise<void>((r) => udpSocket.close(() => r())), new Promise<void>((r) => tcp.close(() => r()))]);
    },
  };
}
