// Per-request deadlines of our SMTP listeners, as Postfix's smtpd_timeout with
// smtpd_per_request_deadline and smtpd_min_data_rate. An idle timeout alone is reset by every
// byte, so a client trickling one byte every few seconds holds a connection (and its slot)
// forever. Here the time a client gets is counted per request instead:
// - between our reply and the end of its next command line: `commandTimeoutMs`, however many
//   bytes of that line arrive meanwhile;
// - in DATA: `commandTimeoutMs` from our 354, plus 1 s for every `minDataRate` bytes received,
//   so a large message sent at a reasonable rate always fits, a trickle never does;
// - while we owe the client a reply (a hook is still deciding) no deadline runs: the client
//   waits for us, and RFC 5321 §4.5.3.2 has it wait minutes.

export interface DeadlinePolicy {
  readonly commandTimeoutMs: number;
  /** Bytes per second a DATA transfer must keep up on average; 0 turns the rate off (then DATA gets `commandTimeoutMs`). */
  readonly minDataRate: number;
}

/** What the connection is doing, as the listener sees it. Times are epoch ms. */
export type ConnectionPhase =
  /** We owe a reply: no deadline. */
  | { readonly kind: 'server' }
  /** The client owes a command line since `since` (our last reply). */
  | { readonly kind: 'command'; readonly since: number }
  /** The client is sending message data since our 354 at `since`; `bytes` received so far. */
  | { readonly kind: 'data'; readonly since: number; readonly bytes: number };

/** The moment the client runs out of time, or undefined while the client waits for us. */
export function deadlineOf(policy: DeadlinePolicy, phase: ConnectionPhase): number | undefined {
  switch (phase.kind) {
    case 'server':
      return undefined;
    case 'command':
      return phase.since + policy.commandTimeoutMs;
    case 'data': {
      const credit = policy.minDataRate > 0 ? Math.floor((phase.bytes * 1000) / policy.minDataRate) : 0;
      return phase.since + policy.commandTimeoutMs + credit;
    }
  }
}
