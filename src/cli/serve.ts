import { createApp } from '../app.js';
import { ensureDefaultTenant } from '../bootstrap.js';
import type { Config } from '../config/schema.js';

/** Runs until SIGTERM/SIGINT; the first start prints the admin key once. */
export async function serve(config: Config, out: NodeJS.WritableStream): Promise<void> {
  const app = await createApp({ config });
  const { tenant, adminKey } = await ensureDefaultTenant(app.store, Date.now());
  if (adminKey) {
    out.write(
      `\n  First start: created tenant "${tenant.name}" (${tenant.id}).\n` +
        `  Admin API key (shown once, store it now):\n\n    ${adminKey}\n\n`,
    );
  }
  await app.start();
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  await app.stop();
}
