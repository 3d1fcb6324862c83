// JSON logs (pino) on stdout. Secrets never reach a log line: the known secret-bearing
// fields are redacted wherever they appear.
import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      redact: {
        paths: ['authorization', 'req.headers.authorization', '*.password', '*.pass', '*.secret', '*.privateKey', '*.private_key', 'apiKey', 'database_url'],
        censor: '[redacted]',
      },
    },
    destination ?? pino.destination({ sync: false }),
  );
}
