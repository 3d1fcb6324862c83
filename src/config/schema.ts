// The configuration schema: every key txmail reads, with its type, default and description.
// The README's configuration reference is generated from this file (`txmail config --reference`).
import { hostname } from 'node:os';
import { parseDestinationOverrides, parseRoutes, type DestinationOverride, type Route } from './routes.js';
import { bool, int, num, oneOf, str, stringList, structured, type KeySpec } from './spec.js';

// One DNS label: what the bounce and tracking subdomains are made of.
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export const schema = {
  role: oneOf(['all', 'api', 'worker'] as const, 'all', 'Which parts this process runs: the HTTP/SMTP ingress (api), the delivery workers (worker), or both.'),
  hostname: str(hostname(), 'Our host name: sent in EHLO and used as the right-hand side of Message-IDs.', {
    defaultText: "this machine's host name",
    pattern: /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i,
  }),
  data_dir: str('./data', 'Directory for the embedded database and generated files.'),
  database_url: str('', 'Empty for the embedded SQLite file `<data_dir>/txmail.db`; `postgres://...` for PostgreSQL. `DATABASE_URL` is read too.', {
    secret: true,
  }),
  database_pool_size: int(8, 'PostgreSQL connections per pool: one pool per process, plus one for the worker thread with role all.', { min: 1, max: 1000 }),
  public_url: str('http://127.0.0.1:7080', 'Base URL at which recipients reach this txmail (unsubscribe links, open and click tracking).', {
    pattern: /^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/,
  }),
  http: {
    host: str('127.0.0.1', 'Address the HTTP API listens on.'),
    port: int(7080, 'Port of the HTTP API (0 picks a free one).', { min: 0, max: 65535 }),
  },
  limits: {
    max_message_bytes: int(25 * 1024 * 1024, 'Largest message accepted, in bytes, counted on the composed MIME.', { min: 1024 }),
    max_recipients: int(1000, 'Most recipients (to + cc + bcc) in one message.', { min: 1, max: 100000 }),
    max_request_recipients: int(1000, 'Most recipients in one API request in all, over every message of a batch (Postmark `/email/batch`, SendGrid personalizations); each message is bounded by `limits.max_recipients` too.', { min: 1, max: 1000000 }),
    compose_threads: int(2, 'Worker threads that compose large messages (MIME encoding) off the thread that answers requests; 0 composes on it.', { min: 0, max: 64 }),
    compose_offload_bytes: int(256 * 1024, 'Content size (text, HTML and attachments) from which a message is composed on a compose thread; smaller ones are composed in place.', { min: 0 }),
  },
  idempotency: {
    ttl_s: int(86400, 'How long an Idempotency-Key is remembered, seconds.', { min: 60 }),
  },
  submission: {
    enabled: bool(true, 'Run the SMTP submission listener (with the api role).'),
    host: str('127.0.0.1', 'Address the SMTP submission listener listens on.'),
    port: int(2587, 'Port of the SMTP submission listener (587 in production; 0 picks a free one).', { min: 0, max: 65535 }),
    tls_cert: str('', 'PEM certificate (chain) file for STARTTLS; empty generates a self-signed one under `<data_dir>/submission-tls/` on first start.'),
    tls_key: str('', 'PEM private key file belonging to `submission.tls_cert`.'),
    require_tls: bool(true, 'Offer AUTH in EHLO only after STARTTLS and refuse it before (538, credentials not checked), so API keys never cross the network in clear text.'),
    max_connections: int(1000, 'Most concurrent submission connections in all.', { min: 1 }),
    max_connections_per_ip: int(20, 'Most concurrent submission connections from one client IP address (more get 421).', { min: 1 }),
    auth_slowdown_after: int(3, 'Failed AUTH attempts from one IP after which each further failure is answered more slowly.', { min: 1 }),
    auth_lockout_after: int(10, 'Failed AUTH attempts from one IP after which it is refused for `submission.auth_lockout_s`.', { min: 1 }),
    auth_lockout_s: int(900, 'How long an IP that failed AUTH too often is refused, seconds.', { min: 1 }),
    idle_timeout_s: int(300, 'Close a submission connection idle this long, seconds.', { min: 1 }),
    command_timeout_s: int(300, 'Time a client gets to send one whole command line after our reply, seconds, however many bytes trickle in meanwhile (Postfix smtpd_timeout with a per-request deadline); more gets 421.', { min: 1 }),
    min_data_rate: int(500, 'Bytes per second a message must arrive at in DATA: it gets `submission.command_timeout_s` plus 1 s per this many bytes received (Postfix smtpd_min_data_rate); 0 turns the rate off.', { min: 0 }),
  },
  templates: {
    strict: bool(false, 'Refuse a send whose template refers to a variable the data lacks (the default renders it empty); a request can ask for strict mode itself.'),
    max_output_chars: int(5 * 1024 * 1024, 'Largest rendering of a template for one recipient (subject, HTML and text together), characters; more is refused with TX_ERR_TEMPLATE_TOO_LARGE.', { min: 1024 }),
    max_work_chars: int(32 * 1024 * 1024, 'Work allowed to all the renderings of one request (previews included), characters: strings read from the data plus every block’s output per nesting level; more is refused with TX_ERR_TEMPLATE_TOO_LARGE.', { min: 1024 }),
  },
  log: {
    level: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info', 'Log level (JSON lines on stdout).'),
  },
  dns: {
    servers: stringList([], 'DNS servers as `ip` or `ip:port`; empty uses the system resolver.', {
      pattern: /^(\[[0-9a-f:]+\]|[0-9.]+|[0-9a-f:]+)(:\d+)?$/i,
      what: 'IP addresses with an optional :port',
    }),
    timeout_ms: int(5000, 'Timeout of one DNS query, milliseconds.', { min: 100 }),
    tries: int(2, 'Attempts per DNS query before it counts as a temporary failure.', { min: 1, max: 10 }),
    max_cache_ttl_s: int(3600, 'Longest time a DNS answer is cached, whatever its TTL.', { min: 0 }),
  },
  delivery: {
    port: int(25, 'TCP port of MX hosts (25; tests point it at a local sink).', { min: 1, max: 65535 }),
    tls: oneOf(['none', 'opportunistic', 'required'] as const, 'opportunistic', 'STARTTLS towards MX hosts: never, when offered, or always (else defer); the certificate of an MX host is not checked (see TLS towards MX hosts and routes).'),
    allow_private_targets: bool(false, 'Allow MX targets on loopback, private, link-local or unspecified addresses (tests and internal relays).'),
    routes: structured<readonly Route[]>('list of routes', [], 'Transport map: `[{match, host, port, tls, tls_name?, tls_ca_file?, auth?}]`; a matching domain goes to that host instead of its MX. `tls: required` or `implicit` verifies the certificate for `tls_name` (default `host`) under `tls_ca_file` (default the system roots); `auth` needs one of them.', parseRoutes),
    max_connections: int(200, 'Most concurrent outbound SMTP connections in all.', { min: 1, max: 100000 }),
    max_connections_per_destination: int(10, 'Most concurrent connections to one destination domain.', { min: 1, max: 10000 }),
    destinations: structured<readonly DestinationOverride[]>(
      'list of overrides',
      [],
      'Per-destination limits: `[{match, max_connections}]`; the most specific match wins (exact, then longest *.suffix, then *).',
      parseDestinationOverrides,
    ),
    recipients_per_transaction: int(50, 'Most recipients of one message sent in one SMTP transaction.', { min: 1, max: 1000 }),
    idle_connection_s: num(2, 'How long an idle connection waits for another message to the same destination.', { min: 0 }),
    retry: {
      first_delay_s: int(60, 'Delay before the first retry of a deferred delivery, seconds.', { min: 1 }),
      factor: num(2, 'Each retry delay is the previous one times this.', { min: 1, max: 10 }),
      max_delay_s: int(3600, 'Longest delay between retries, seconds.', { min: 1 }),
      max_lifetime_s: int(5 * 86400, 'After this long in the queue a delivery is bounced with reason `expired`, seconds.', { min: 1 }),
    },
    dead_destination_backoff_s: int(60, 'First back-off of a destination none of whose hosts accepted a connection; doubles, up to retry.max_delay_s.', {
      min: 1,
    }),
    timeouts: {
      connect_s: num(30, 'TCP connect timeout per MX host, seconds.', { min: 0.01 }),
      greeting_s: num(300, 'Wait for the 220 greeting (RFC 5321 §4.5.3.2.1: 5 min).', { min: 0.01 }),
      command_s: num(300, 'Wait for the reply to EHLO, STARTTLS, MAIL or RCPT (§4.5.3.2.2-3: 5 min).', { min: 0.01 }),
      data_init_s: num(120, 'Wait for the 354 reply to DATA (§4.5.3.2.4: 2 min).', { min: 0.01 }),
      data_block_s: num(180, 'Longest pause while sending the message data (§4.5.3.2.5: 3 min).', { min: 0.01 }),
      data_end_s: num(600, 'Wait for the reply to the final dot (§4.5.3.2.6: 10 min).', { min: 0.01 }),
    },
  },
  domains: {
    allow_unverified_senders: bool(
      false,
      'Let every tenant send from domains it has not added or not verified yet (development and benchmarks: mail from a domain not added is neither DKIM-signed nor VERP-addressed). Never from a domain another tenant claims. The tenant setting `allowUnverifiedSenders` does the same for one tenant.',
    ),
    claim_ttl_s: int(7 * 86400, 'How long an added domain may stay unverified, seconds: after that its claim lapses and it must be added again.', { min: 60 }),
    dkim_rsa_bits: int(2048, 'Size of new RSA DKIM keys, bits (RFC 8301 asks for at least 1024; 2048 fits a TXT record published as two strings).', {
      min: 1024,
      max: 4096,
    }),
    rotation_grace_s: int(7 * 86400, 'How long a rotated-out DKIM key stays published and valid after signing switched to its successor, seconds.', { min: 0 }),
    bounce_subdomain: str('bounce', 'Label of the return-path subdomain: envelope senders are `b+<token>@<label>.<domain>`.', { pattern: LABEL }),
    tracking_subdomain: str('track', 'Label of the tracking host suggested for each domain (a CNAME to the host of `public_url`).', { pattern: LABEL }),
    spf: str('', 'SPF mechanisms that authorise the addresses txmail sends from, e.g. `ip4:203.0.113.5 ip6:2001:db8::5`; empty suggests `a:<hostname>`.', {
      pattern: /^[\x21-\x7e]*( [\x21-\x7e]+)*$/,
    }),
    cache_s: num(10, 'How long a process caches a tenant’s domains, DKIM keys and settings; a change made through another process applies after at most this long.', {
      min: 0,
    }),
  },
  bounce: {
    enabled: bool(true, 'Run the inbound SMTP listener for bounce subdomains (DSNs, complaints, mailto unsubscribes) with the api role.'),
    host: str('127.0.0.1', 'Address the bounce listener listens on (`0.0.0.0` in production, where the bounce MX record points).'),
    port: int(2525, 'Port of the bounce listener (25 in production; 0 picks a free one).', { min: 0, max: 65535 }),
    mx_host: str('', 'Host name published as the MX of bounce subdomains (this listener’s public name); empty uses `hostname`.', {
      pattern: /^$|^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i,
    }),
    max_message_bytes: int(10 * 1024 * 1024, 'Largest report the bounce listener accepts, bytes.', { min: 1024 }),
    command_timeout_s: int(300, 'Time a sending MTA gets to send one whole command line after our reply, seconds (as `submission.command_timeout_s`).', { min: 1 }),
    min_data_rate: int(500, 'Bytes per second a report must arrive at in DATA (as `submission.min_data_rate`); 0 turns the rate off.', { min: 0 }),
  },
  webhooks: {
    allow_private_targets: bool(false, 'Allow webhook URLs whose host is on a loopback, private, link-local or unspecified address (tests and internal receivers).'),
    timeout_s: num(10, 'Time one webhook POST may take, from connecting to the end of the response, seconds.', { min: 0.1, max: 300 }),
    max_batch: int(1000, 'Most events in one webhook POST; an endpoint’s `batch_size` (default 100) may not exceed it.', { min: 1, max: 1000 }),
    concurrency: int(16, 'Endpoints one process sends to at once; each endpoint has at most one POST in flight, so a slow one holds only its own slot.', {
      min: 1,
      max: 1000,
    }),
    poll_ms: int(1000, 'How often the dispatcher looks for new events for endpoints that have caught up, milliseconds.', { min: 10 }),
    lease_s: int(60, 'Lease on an endpoint while a process sends its events; if that process dies, another takes over after this (never less than twice timeout_s plus 2 s).', {
      min: 1,
    }),
    retry: {
      first_delay_s: num(5, 'Delay before retrying a failed webhook POST; doubles with each failure in a row, seconds.', { min: 0.01 }),
      max_delay_s: num(3600, 'Longest delay between webhook retries, seconds.', { min: 0.01 }),
      max_age_s: num(86400, 'An endpoint whose POSTs have failed for this long is disabled, with the reason recorded, seconds.', { min: 0.01 }),
    },
  },
  tracking: {
    click_window_s: num(5, 'A click this soon after delivery is counted as a link scanner’s (a machine click), seconds.', { min: 0 }),
    trust_forwarded_for: bool(false, 'Take the IP of opens and clicks from X-Forwarded-For (only behind a reverse proxy that sets it).'),
    max_events_per_delivery_per_minute: int(10, 'Opens (and, apart, clicks) recorded per delivery per minute, per process; further fetches still get the pixel or redirect but record nothing.', { min: 1 }),
    max_events_per_ip_per_minute: int(6000, 'Opens and clicks recorded per client IP per minute, per process, across deliveries; further fetches are answered but not recorded. Mail providers’ image proxies fetch for many recipients from few IPs: keep it high.', { min: 1 }),
  },
  stats: {
    rollup_interval_ms: int(1000, 'How often the stats roll-up reads new events into the aggregate tables, milliseconds.', { min: 10 }),
    rollup_batch: int(1000, 'Events the stats roll-up reads per transaction.', { min: 1, max: 10000 }),
  },
  retention: {
    days: int(30, 'Finished messages older than this many days are deleted with their deliveries and events; 0 keeps everything.', { min: 0 }),
    batch: int(1000, 'Messages deleted per purge transaction.', { min: 1, max: 100000 }),
    interval_s: int(3600, 'How often each worker looks for messages to purge, seconds.', { min: 1 }),
  },
  metrics: {
    enabled: bool(false, 'Serve Prometheus metrics at `/metrics` (see Metrics). Off by default; when on, a token or a listener of its own is required.'),
    token: str('', 'Bearer token `/metrics` requires (`Authorization: Bearer <token>`); required when metrics are served on the main HTTP listener.', { secret: true }),
    host: str('', 'Address of a separate metrics listener (e.g. an admin network address); empty serves `/metrics` on the main HTTP listener.'),
    port: int(9464, 'Port of the separate metrics listener (with `metrics.host`; 0 picks a free one).', { min: 0, max: 65535 }),
    cache_ms: int(5000, 'How long queue and webhook figures read from the store at scrape time are reused, milliseconds.', { min: 0 }),
    max_destinations: int(20, 'Destinations with a label of their own in per-destination metrics (the busiest); the rest are summed as `_other`.', { min: 1, max: 1000 }),
    max_webhooks: int(20, 'Webhook endpoints with a label of their own in per-endpoint metrics; the rest are summed as `_other`.', { min: 1, max: 1000 }),
  },
  worker: {
    thread: bool(true, 'With role all, run the delivery worker in its own thread so ingress and delivery use two cores.'),
    max_held: int(5000, 'Most deliveries one worker holds leased at a time.', { min: 1 }),
    max_held_per_destination: int(500, 'Most deliveries of one destination one worker holds, so a slow destination cannot starve the others.', { min: 1 }),
    lease_s: int(300, 'Lease length of a claimed delivery; renewed while it is held. The last resort: a crashed worker’s deliveries are taken over much sooner (at restart on SQLite, after `dead_after_s` on PostgreSQL).', {
      min: 1,
    }),
    dead_after_s: int(20, 'A worker whose heartbeat (every quarter of this) is older than this is taken for dead: the other workers take over its deliveries, webhook endpoints and connection slots at once. Hosts’ clocks must agree to well within this.', {
      min: 1,
      max: 3600,
    }),
    slot_lease_s: int(30, 'Lease of a per-destination connection slot, renewed while its connection is open; a crashed worker’s slots are free again after this.', {
      min: 1,
    }),
    poll_ms: int(1000, 'Longest sleep between looks at the queue when no work is known to be due.', { min: 10 }),
  },
} as const;

type SpecValue<S> = S extends KeySpec<infer T> ? T : never;
type ConfigOf<S> = { readonly [K in keyof S]: S[K] extends KeySpec<unknown> ? SpecValue<S[K]> : ConfigOf<S[K]> };

export type Config = ConfigOf<typeof schema>;
