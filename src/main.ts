#!/usr/bin/env node
// Process entry: parses the command line, loads the configuration, runs one command.
// The only place that calls process.exit.
import { parseArgs } from 'node:util';
import { serve } from './cli/serve.js';
import { queueCommand } from './cli/queue.js';
import { Remote, UsageError } from './cli/remote.js';
import { tenantsCommand } from './cli/tenants.js';
import { domainsCommand } from './cli/domains.js';
import { createKey, listKeys, revokeKey, sesCredentials } from './cli/keys.js';
import { ConfigError, configReference, loadConfig } from './config/load.js';
import type { Config } from './config/schema.js';
import { openStore } from './store/open.js';

const USAGE = `usage:
  txmail serve [--config FILE] [--role all|api|worker]
  txmail migrate [--config FILE]
  txmail keys create --name NAME --scopes send,read,admin [--tenant ID] [--config FILE]
  txmail keys list [--tenant ID] [--config FILE]
  txmail keys revoke ID [--config FILE]
  txmail domains add NAME [--ed25519] [--tenant ID] [--config FILE]
                                 generate DKIM keys; print the DNS records to publish
  txmail domains list|show NAME|verify NAME|rotate NAME|remove NAME [--tenant ID] [--config FILE]
  txmail keys ses-credentials ID [--config FILE]   AWS-style credentials for the SES-compatible API
  txmail config reference        print the configuration reference (Markdown)
  txmail config check [--config FILE]

remote commands (talk to a running txmail: --url, default $TXMAIL_URL or http://127.0.0.1:7080;
the API key from $TXMAIL_KEY; --json prints the API's JSON):
  txmail queue summary                        per destination: counts by state, oldest, last error, holds
  txmail queue list [FILTERS] [--limit N] [--cursor C]
  txmail queue show MESSAGE_ID                envelope, headers, attempts, events
  txmail queue hold (MESSAGE_ID | --destination D | --tenant T | FILTERS) --reason R [--for 2h | --until ISO]
  txmail queue release|retry|delete (MESSAGE_ID | --destination D | --tenant T | FILTERS)
  txmail queue bounce (MESSAGE_ID | --destination D | --tenant T | FILTERS) --reason R
      FILTERS: --state queued,in_flight,deferred,scheduled,held --destination D --tenant T --tag T
               --recipient TEXT --sender TEXT --older-than 2h --reply TEXT
  txmail tenants list | create NAME | suspend ID --reason R | resume ID     (platform key)
  txmail help | --help | -h                   this text
exit codes: 0 ok, 1 failure or not found, 2 usage

Environment: TXMAIL_<KEY> sets a configuration key (see config reference); TXMAIL_KEY and
TXMAIL_URL are left to clients (the remote commands above) and never stop a command.
`;

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      json: { type: 'boolean' },
      state: { type: 'string' },
      destination: { type: 'string' },
      tag: { type: 'string' },
      recipient: { type: 'string' },
      sender: { type: 'string' },
      'older-than': { type: 'string' },
      reply: { type: 'string' },
      limit: { type: 'string' },
      cursor: { type: 'string' },
      reason: { type: 'string' },
      for: { type: 'string' },
      until: { type: 'string' },
      config: { type: 'string' },
      role: { type: 'string' },
      name: { type: 'string' },
      scopes: { type: 'string' },
      tenant: { type: 'string' },
      ed25519: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (e) {
    process.stderr.write(`txmail: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [cmd, sub, arg] = positionals;
  // Asking for help succeeds; running without a command is a usage error.
  if (values.help || cmd === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!cmd) {
    process.stderr.write(USAGE);
    return 2;
  }
  if (cmd === 'config' && sub === 'reference') {
    process.stdout.write(configReference() + '\n');
    return 0;
  }
  const config = (): Config => loadConfig({ ...(values.config ? { file: values.config } : {}), overrides: values.role ? { role: values.role } : {} });
  const withStore = async (fn: (s: Awaited<ReturnType<typeof openStore>>) => Promise<number>): Promise<number> => {
    const c = config();
    const store = await openStore(c.database_url, c.data_dir, { poolSize: c.database_pool_size });
    try {
      await store.migrate();
      return await fn(store);
    } finally {
      await store.close();
    }
  };
  switch (cmd) {
    case 'serve':
      await serve(config(), process.stdout);
      return 0;
    case 'migrate':
      return withStore(async () => {
        process.stdout.write('migrations applied\n');
        return 0;
      });
    case 'config':
      if (sub === 'check') {
        config();
        process.stdout.write('configuration ok\n');
        return 0;
      }
      break;
    case 'keys':
      if (sub === 'create') {
        if (!values.name || !values.scopes) {
          process.stderr.write('keys create needs --name and --scopes\n');
          return 2;
        }
        const name = values.name;
        const scopes = values.scopes;
        return withStore((s) => createKey(s, { name, scopes, tenant: values.tenant }, process.stdout));
      }
      if (sub === 'list') return withStore((s) => listKeys(s, values.tenant, process.stdout));
      if (sub === 'revoke' && arg) return withStore((s) => revokeKey(s, arg, process.stdout));
      if (sub === 'ses-credentials' && arg) return withStore((s) => sesCredentials(s, arg, process.stdout));
      break;
    case 'queue':
    case 'tenants':
      try {
        // The remote commands read TXMAIL_KEY and TXMAIL_URL (not the server's configuration).
        const remote = new Remote({ url: values.url, json: values.json === true, env: process.env, out: process.stdout, err: process.stderr });
        if (cmd === 'tenants') return await tenantsCommand(remote, sub, arg, values.reason);
        const filter = {
          state: values.state, destination: values.destination, tenant: values.tenant, tag: values.tag, recipient: values.recipient,
          sender: values.sender, older_than: values['older-than'], reply: values.reply,
        };
        return await queueCommand(remote, { action: sub, id: arg, filter, reason: values.reason, for: values.for, until: values.until, limit: values.limit, cursor: values.cursor });
      } catch (e) {
        process.stderr.write(`txmail: ${(e as Error).message}\n`);
        return e instanceof UsageError ? 2 : 1;
      }
    case 'domains':
      if (sub && ['add', 'list', 'show', 'verify', 'rotate', 'remove'].includes(sub)) {
        return withStore((s) => domainsCommand(s, config(), { action: sub, name: arg, tenant: values.tenant, ed25519: values.ed25519 === true }, process.stdout));
      }
      break;
    default:
      break;
  }
  process.stderr.write(USAGE);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof ConfigError) process.stderr.write(`txmail: ${e.message}\n`);
    else process.stderr.write(`txmail: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(e instanceof ConfigError ? 78 : 1);
  },
);
