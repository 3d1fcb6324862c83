// What smtp-server has no option for, added to each of its connections (submission and the
// bounce listener):
// - per-request deadlines and a minimum DATA rate (domain/smtp/deadline.ts): its idle timeout
//   is reset by every byte, so a client trickling bytes held a connection forever;
// - AUTH kept out of the EHLO reply before STARTTLS when AUTH needs TLS: smtp-server lists it
//   and answers 538 only once the credentials were sent, in clear, by a client that believed
//   the list.
// Both wrap methods of the connection object (smtp-server 3.x declares them in its types);
// the smtp-guard tests and the e2e tests pin the behaviour should an upgrade change them.
import type { SMTPServer } from 'smtp-server';
import type { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import { deadlineOf, type ConnectionPhase, type DeadlinePolicy } from '../domain/smtp/deadline.js';

export interface SmtpGuardOptions {
  readonly policy: DeadlinePolicy;
  /** Leave AUTH out of EHLO on connections that are not (yet) TLS. */
  readonly authOnlyAfterTls: boolean;
  readonly now: () => number;
  /** Told about each connection cut for being too slow (for the log). */
  readonly onTimeout?: (info: { readonly remoteAddress: string; readonly phase: 'command' | 'data'; readonly bytes: number }) => void;
}

// While the client waits for us, look again this often whether it is its turn.
const SERVER_TURN_RECHECK_MS = 1000;

/** Guards every connection the server accepts (after its onConnect let it in). */
export function guardSmtpServer(smtp: SMTPServer, o: SmtpGuardOptions): void {
  smtp.on('connect', (info: { readonly id: string }) => {
    for (const c of smtp.connections) {
      if (c.id === info.id) return guardConnection(c, o);
    }
  });
}

function guardConnection(c: SMTPConnection, o: SmtpGuardOptions): void {
  // The greeting is sent right after 'connect': the client's first turn starts now.
  let phase: { kind: 'command' | 'data'; since: number } = { kind: 'command', since: o.now() };
  let timer: NodeJS.Timeout | undefined;

  // The phase as smtp-server's own state tells it (the test of its idle timeout): a handler
  // still deciding, or a message that ended and waits for onData's answer, is our turn.
  const current = (): ConnectionPhase => {
    const parser = c._parser;
    if (c._handlerPending || (c._dataStream && parser && !parser._dataMode)) return { kind: 'server' };
    if (phase.kind === 'data' && parser && parser._dataMode) return { kind: 'data', since: phase.since, bytes: parser.dataBytes };
    return { kind: 'command', since: phase.since };
  };

  const schedule = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (c._closing || c._closed) return;
    const p = current();
    const at = deadlineOf(o.policy, p);
    const now = o.now();
    if (at !== undefined && at <= now) {
      o.onTimeout?.({ remoteAddress: c.remoteAddress, phase: p.kind === 'data' ? 'data' : 'command', bytes: p.kind === 'data' ? p.bytes : 0 });
      // send(421) closes the connection too (smtp-server).
      c.send(421, p.kind === 'data' ? '4.4.2 Message data arriving too slowly - closing connection' : '4.4.2 Command not completed in time - closing connection');
      return;
    }
    timer = setTimeout(schedule, at === undefined ? SERVER_TURN_RECHECK_MS : Math.max(10, at - now));
    timer.unref();
  };

  const send = c.send.bind(c);
  c.send = (code, data, context) => {
    // The EHLO reply is the only multi-line 250.
    if (o.authOnlyAfterTls && !c.secure && code === 250 && Array.isArray(data)) data = data.filter((line) => !/^AUTH\b/i.test(line));
    send(code, data, context);
    // A reply hands the turn to the client: its next command line, or after 354 its message.
    phase = { kind: code === 354 ? 'data' : 'command', since: o.now() };
    schedule();
  };

  const onCommand = c._onCommand.bind(c);
  c._onCommand = (command, callback) => {
    // A whole line arrived: the next one gets a deadline of its own (smtp-server marks the
    // handler pending until it has answered this one).
    phase = { kind: 'command', since: o.now() };
    onCommand(command, callback);
  };

  const onClose = c._onClose.bind(c);
  c._onClose = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    onClose();
  };

  schedule();
}
