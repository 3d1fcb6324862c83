#!/usr/bin/env node
// Process entry: parses the command line, loads the configuration, runs one command.
// The only place that calls process.exit.
import { parseArgs } from 'node:util';
import { serve } from './cli/serve.js';
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
  txmail help | --help | -h      this text

Environment: TXMAIL_<KEY> sets a configuration key (see config reference); TXMAIL_KEY and
TXMAIL_URL are left to clients (the README's examples) and never stop a command.
`;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        role: { type: 'string' },
        name: { type: 'string' },
        scopes: { type: 'string' },
        tenant: { type: 'string' },
        ed25519: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    // An unknown option or a missing value is a usage error (2), not a crash.
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
