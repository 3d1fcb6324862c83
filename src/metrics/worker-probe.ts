// Metrics of the worker role: SMTP transaction durations (timed around each session's send) and
// open connections per destination, read from the scheduler at scrape time, the busiest
// `max_destinations` by name and the rest as `_other`, so the label set stays bounded.
import { Gauge } from 'prom-client';
import type { Connector } from '../queue/ports.js';
import type { Scheduler } from '../queue/scheduler.js';
import { topWithOther, type TxMetrics } from './metrics.js';

export function probeConnector(connector: Connector, metrics: TxMetrics): Connector {
  return {
    async open(target) {
      const r = await connector.open(target);
      if (!r.ok) return r;
      // Timed on the instance rather than in the queue, which stays free of metrics code.
      const session = r.session;
      const send = session.send.bind(session);
      session.send = async (envelope, raw) => {
        const end = metrics.attempt.startTimer();
        const result = await send(envelope, raw);
        end({ result: result.kind });
        return result;
      };
      return r;
    },
  };
}

export function watchConnections(scheduler: Scheduler, metrics: TxMetrics): void {
  const max = metrics.opts.maxDestinations;
  new Gauge({
    name: 'txmail_smtp_connections',
    help: 'Open outbound SMTP connections by destination domain (the busiest ones; the rest as _other).',
    labelNames: ['destination'],
    registers: [metrics.registry],
    collect() {
      this.reset();
      for (const [destination, n] of topWithOther(scheduler.openConnections(), max)) this.set({ destination }, n);
    },
  });
}
